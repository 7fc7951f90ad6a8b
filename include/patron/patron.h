/* Patron: a customer value engine. The umbrella header: include this one. */
#ifndef PATRON_PATRON_H
#define PATRON_PATRON_H

#include "patron/version.h"
#include "patron/error.h"
#include "patron/parse.h"
#include "patron/kmeans.h"

#endif
