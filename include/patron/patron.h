/* Patron: a customer value engine. The umbrella header: include this one. */
#ifndef PATRON_PATRON_H
#define PATRON_PATRON_H

#include "patron/version.h"
#include "patron/error.h"
#include "patron/run.h"
#include "patron/sink.h"
#include "patron/parse.h"
#include "patron/dataset.h"
#include "patron/table.h"
#include "patron/profile.h"
#include "patron/rfm.h"
#include "patron/output.h"
#include "patron/gen.h"
#include "patron/clv.h"
#include "patron/kmeans.h"
#include "patron/repurchase.h"
#include "patron/tiers.h"
#include "patron/features.h"
#include "patron/churn.h"
#include "patron/pipeline.h"
#include "patron/hash.h"
#include "patron/experiment.h"
#include "patron/monitor.h"
#include "patron/report.h"
#include "patron/recommend.h"
#include "patron/store.h"
#include "patron/movements.h"
#include "patron/trigger.h"
#include "patron/plan.h"
#include "patron/recommend.h"

#endif
