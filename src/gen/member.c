/* Members' contact and profile fields for the synthetic world: Chinese names (common
 * surnames by frequency, one- or two-character given names), mobile numbers, email, WeChat
 * ids, marketing consent per channel (1, 0 or unknown), time zone and acquisition source.
 * All drawn from the detail stream, so they follow the seed like everything else. */
#include "core/core_int.h"
#include "gen/gen_int.h"
#include "patron/parse.h"

#include <string.h>

static const char *const surnames[] = {"王", "李", "张", "刘",   "陈",   "杨",   "黄",  "赵", "吴",
                                       "周", "徐", "孙", "马",   "朱",   "胡",   "郭",  "何", "高",
                                       "林", "罗", "郑", "梁",   "谢",   "宋",   "唐",  "许", "韩",
                                       "冯", "邓", "曹", "欧阳", "司马", "上官", "诸葛"};
enum { N_SURNAMES = sizeof surnames / sizeof *surnames, N_COMPOUND = 4 };

static const char *const given[] = {
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "萍", "红", "鹏",
    "辉", "婷", "晨", "宇", "浩", "欣", "怡", "子", "轩", "梓", "涵", "雨", "嘉", "佳",
    "思", "文", "博", "一", "诺", "睿", "琳", "晓", "建", "志", "海", "春", "雪", "俊"};
enum { N_GIVEN = sizeof given / sizeof *given };

static const char *const phone_prefixes[] = {"133", "135", "136", "137", "138", "139", "150",
                                             "151", "152", "155", "158", "159", "166", "177",
                                             "180", "185", "186", "187", "188", "189", "199"};
enum { N_PREFIXES = sizeof phone_prefixes / sizeof *phone_prefixes };

/* index 0 = no email */
static const char *const email_domains[] = {"",         "qq.com",    "163.com",    "126.com",
                                            "sina.com", "gmail.com", "outlook.com"};
static const double email_weights[] = {0.35, 0.3, 0.15, 0.07, 0.04, 0.05, 0.04};

static const char *const timezones[] = {"+08:00", "+09:00", "+07:00", "+00:00",
                                        "-05:00", "+10:00", "+01:00"};
static const double timezone_weights[] = {0.93, 0.025, 0.015, 0.01, 0.008, 0.007, 0.005};

static const char *const sources[] = {"tmall", "jd", "store", "wechat_mini", "douyin"};
static const double source_weights[] = {0.3, 0.2, 0.25, 0.15, 0.1};

static int pick(gsl_rng *rng, const double *w, int n) {
  double u = gsl_rng_uniform(rng), acc = 0;
  for (int i = 0; i < n - 1; i++)
    if (u < (acc += w[i]))
      return i;
  return n - 1;
}

/* Surnames follow a steep frequency curve; the compound ones are rare (0.4%). */
static uint8_t draw_surname(gsl_rng *rng) {
  if (gsl_rng_uniform(rng) < 0.004)
    return (uint8_t)(N_SURNAMES - N_COMPOUND + gsl_rng_uniform_int(rng, N_COMPOUND));
  double u = gsl_rng_uniform(rng);
  return (uint8_t)((N_SURNAMES - N_COMPOUND) * u * u);
}

static int8_t draw_consent(gsl_rng *rng, double yes, double no) {
  double u = gsl_rng_uniform(rng);
  return u < yes ? 1 : u < yes + no ? 0 : -1;
}

static void draw_email(gsl_rng *rng, gen_contact *c) {
  c->email_domain = (uint8_t)pick(rng, email_weights, 7);
  c->email_number = 10000 + gsl_rng_uniform_int(rng, 2000000000);
  c->n_email_letters = (uint8_t)(4 + gsl_rng_uniform_int(rng, 6));
  for (int i = 0; i < c->n_email_letters; i++)
    c->email_letters[i] = (char)('a' + gsl_rng_uniform_int(rng, 26));
  if (c->email_domain != 1)
    c->email_number %= 1000;
}

void patron__gen_draw_contact(gsl_rng *rng, gen_contact *c) {
  memset(c, 0, sizeof *c);
  c->surname = draw_surname(rng);
  c->n_given = (uint8_t)(gsl_rng_uniform(rng) < 0.7 ? 2 : 1);
  for (int i = 0; i < 2; i++)
    c->given[i] = (uint8_t)gsl_rng_uniform_int(rng, N_GIVEN);
  if (gsl_rng_uniform(rng) < 0.92)
    c->phone = gsl_rng_uniform_int(rng, N_PREFIXES) * 100000000ull +
               gsl_rng_uniform_int(rng, 100000000) + 1;
  draw_email(rng, c);
  if (gsl_rng_uniform(rng) < 0.7) {
    c->n_wechat = 10;
    for (int i = 0; i < 10; i++) {
      unsigned long k = gsl_rng_uniform_int(rng, 36);
      c->wechat[i] = (char)(k < 10 ? '0' + k : 'a' + k - 10);
    }
  }
  c->consent[0] = draw_consent(rng, 0.6, 0.25);
  c->consent[1] = draw_consent(rng, 0.45, 0.3);
  c->consent[2] = draw_consent(rng, 0.55, 0.2);
  c->timezone = (uint8_t)pick(rng, timezone_weights, 7);
  c->source = (uint8_t)pick(rng, source_weights, 5);
}

static char *put_consent(char *q, int8_t v) {
  *q++ = ',';
  if (v >= 0)
    *q++ = (char)('0' + v);
  return q;
}

char *patron__gen_put_contact(char *q, const gen_contact *c) {
  *q++ = ',';
  q = gen_put_str(q, surnames[c->surname]);
  for (int i = 0; i < c->n_given; i++)
    q = gen_put_str(q, given[c->given[i]]);
  *q++ = ',';
  if (c->phone) {
    uint64_t p = c->phone - 1;
    q = gen_put_str(q, phone_prefixes[p / 100000000]);
    q = gen_put_uint(q, p % 100000000, 8);
  }
  *q++ = ',';
  if (c->email_domain) {
    if (c->email_domain == 1) {
      q = gen_put_uint(q, c->email_number, 1);
    } else {
      q = gen_put(q, c->email_letters, c->n_email_letters);
      q = gen_put_uint(q, c->email_number, 1);
    }
    *q++ = '@';
    q = gen_put_str(q, email_domains[c->email_domain]);
  }
  *q++ = ',';
  if (c->n_wechat) {
    q = gen_put_str(q, "wxid_");
    q = gen_put(q, c->wechat, c->n_wechat);
  }
  for (int i = 0; i < 3; i++)
    q = put_consent(q, c->consent[i]);
  *q++ = ',';
  q = gen_put_str(q, timezones[c->timezone]);
  *q++ = ',';
  return gen_put_str(q, sources[c->source]);
}

int32_t patron__gen_leap_day(int32_t day) {
  int y, m, d;
  patron_civil_from_days(day, &y, &m, &d);
  while (!((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    y--;
  return patron_days_from_civil(y, 2, 29);
}
