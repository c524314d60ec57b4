/* test_textfile.c -- the textfile collector's exposition parser: what expfmt accepts, rejects, and builds. */
#include "check.h"
#include "textfile.h"

static int parse(const char *s, tf_file *f, char *err, size_t errlen, char **keep)
{
    *keep = dup_text(s);
    return textfile_parse(*keep, strlen(s), f, err, errlen);
}

static const tf_metric *metric_at(const tf_file *f, const tf_family *fam, size_t i)
{
    return &f->metrics[f->order[fam->first + i]];
}

static const char *label(const tf_file *f, const tf_metric *m, const char *name)
{
    for (size_t i = 0; i < m->nlabels; i++)
        if (strcmp(f->labels[m->label0 + i].name, name) == 0)
            return f->labels[m->label0 + i].value;
    return NULL;
}

static void test_good_file(void)
{
    char err[256], *t;
    tf_file f;
    CHECK(parse("# HELP g A gauge with \\\\ and \\n.\n"
                "# TYPE g gauge\n"
                "g{a=\"1\"} 3\n"
                "  other  +Inf\n"
                "g{b = \"x\\\"y\\\\z\\nw\" , } -2.5e3\n"
                "#  free comment, ignored\n"
                "#\n"
                "\n"
                "# HELP only_help nothing else\n"
                "# TYPE h histogram\n"
                "h_bucket{le=\"1\",x=\"a\"} 1\n"
                "h_bucket{x=\"b\",le=\"1\"} 7\n"
                "h_bucket{x=\"a\",le=\"0.5\"} 0\n"
                "h_bucket{x=\"a\",le=\"+Inf\"} 4\n"
                "h_bucket{x=\"a\",le=\"1\"} 2\n"
                "h_count{x=\"a\"} 4\n"
                "h_sum{x=\"a\"} 3.5\n"
                "# TYPE s summary\n"
                "s{quantile=\"0.9\"} 9\n"
                "s{quantile=\"0.5\"} 5\n"
                "s_count 10\n"
                "s_sum 50\n"
                "c_total{}1\n"
                "   ",
                &f, err, sizeof err, &t) == 0);
    if (f.nmetrics == 0) {
        fprintf(stderr, "parse failed: %s\n", err);
        return;
    }
    const tf_family *g = tf_find_family(&f, "g");
    CHECK(g && g->type == TF_GAUGE && g->nmetrics == 2);
    CHECK_STR(g->help, "A gauge with \\ and \n.");
    CHECK_STR(label(&f, metric_at(&f, g, 0), "a"), "1");
    CHECK_NUM(metric_at(&f, g, 0)->value, 3);
    CHECK_STR(label(&f, metric_at(&f, g, 1), "b"), "x\"y\\z\nw");
    CHECK_NUM(metric_at(&f, g, 1)->value, -2500);
    const tf_family *o = tf_find_family(&f, "other");
    CHECK(o && o->type == TF_UNTYPED && !o->help && isinf(metric_at(&f, o, 0)->value));
    CHECK(tf_find_family(&f, "only_help") == NULL);
    const tf_family *h = tf_find_family(&f, "h");
    CHECK(h && h->type == TF_HISTOGRAM && h->nmetrics == 2);
    const tf_metric *ha = metric_at(&f, h, 0);
    CHECK_STR(label(&f, ha, "x"), "a");
    CHECK(label(&f, ha, "le") == NULL && ha->nlabels == 1);
    CHECK(ha->npoints == 3); /* 0.5, 1 (the later line), +Inf */
    CHECK_NUM(f.points[ha->point0].key, 0.5);
    CHECK_NUM(f.points[ha->point0 + 1].key, 1);
    CHECK_NUM(f.points[ha->point0 + 1].value, 2);
    CHECK(isinf(f.points[ha->point0 + 2].key));
    CHECK_NUM(ha->count, 4);
    CHECK_NUM(ha->sum, 3.5);
    CHECK(metric_at(&f, h, 1)->npoints == 1 && metric_at(&f, h, 1)->count == 0);
    const tf_family *s = tf_find_family(&f, "s");
    CHECK(s && s->type == TF_SUMMARY && s->nmetrics == 1);
    const tf_metric *sm = metric_at(&f, s, 0);
    CHECK(sm->npoints == 2 && f.points[sm->point0].key == 0.5 && f.points[sm->point0 + 1].value == 9);
    CHECK_NUM(sm->count, 10);
    CHECK_NUM(sm->sum, 50);
    CHECK(tf_find_family(&f, "s_count") == NULL);
    CHECK(tf_find_family(&f, "c_total") && !f.has_timestamps);
    tf_file_free(&f);
    free(t);
}

static void test_odd_but_valid(void)
{
    char err[256], *t;
    tf_file f;
    /* Samples of one family may be spread out; backslashes vanish from TYPE; timestamps parse. */
    CHECK(parse("a 1\nb 2\na{x=\"y\"} 3\n# TYPE c gau\\ge\nc 1 -1234\n", &f, err, sizeof err, &t) == 0);
    CHECK(tf_find_family(&f, "a")->nmetrics == 2);
    CHECK(tf_find_family(&f, "c")->type == TF_GAUGE);
    CHECK(f.has_timestamps);
    tf_file_free(&f);
    free(t);
    CHECK(parse("", &f, err, sizeof err, &t) == 0 && f.nmetrics == 0);
    tf_file_free(&f);
    free(t);
    /* "x_count" is its own family unless x is a summary or histogram already. */
    CHECK(parse("x_count 1\n# TYPE y gauge\ny_sum 2\n", &f, err, sizeof err, &t) == 0);
    CHECK(tf_find_family(&f, "x_count") && tf_find_family(&f, "y_sum") && !tf_find_family(&f, "y"));
    tf_file_free(&f);
    free(t);
}

static void test_rejected(void)
{
    const char *bad[] = {
        "foo 1",                                  /* no final newline */
        "foo 1 \n",                               /* a blank after the value wants a timestamp */
        "foo\n",                                  /* no value */
        "foo{a=\"1\"\n",                          /* unterminated label set */
        "foo{a=1} 1\n",                           /* unquoted label value */
        "foo{a=\"1\" b=\"2\"} 1\n",               /* no comma */
        "foo{__name__=\"x\"} 1\n",                /* reserved */
        "foo{__x=\"x\"} 1\n",                     /* reserved (node_exporter would panic) */
        "foo{a=\"1\",a=\"2\"} 1\n",               /* duplicate label */
        "foo{1a=\"1\"} 1\n",                      /* bad label name */
        "foo{a=\"\\t\"} 1\n",                     /* bad escape */
        "foo{a=\"x\ny\"} 1\n",                    /* raw newline in a value */
        "foo{a=\"\xff\"} 1\n",                    /* not UTF-8 */
        "foo{a=\"\xed\xa0\x80\"} 1\n",            /* a surrogate */
        "# TYPE foo gauge\n# TYPE foo counter\n", /* second TYPE */
        "foo 1\n# TYPE foo gauge\n",              /* TYPE after samples */
        "# HELP foo a\n# HELP foo b\n",           /* second HELP */
        "# HELP foo bad \\t escape\n",            /* bad escape in HELP */
        "# TYPE foo gauges\n",                    /* unknown type */
        "# HELP foo-bar x\n",                     /* bad name in a comment */
        "# HELP foo x",                           /* no final newline in a comment */
        "-foo 1\n",                               /* bad metric name */
        "foo 1_0\n",
        "foo 0x10\n",
        "foo 1p3\n",
        "foo nan(1)\n",
        "foo 1e400\n",
        "foo +nan\n",
        "foo 1\r\n",
        "foo .\n",
        "foo 1e\n",
        "foo  inf inity\n",
        "foo 1 2 3\n", /* spurious text after the timestamp */
        "foo 1 1.5\n", /* the timestamp is an integer */
        "# TYPE h histogram\nh_bucket{le=\"x\"} 1\n",
        "# TYPE s summary\ns{quantile=\"\"} 1\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "", *t;
        tf_file f;
        int rc = parse(bad[i], &f, err, sizeof err, &t);
        if (rc != -1 || strncmp(err, "line ", 5) != 0)
            fprintf(stderr, "accepted or no line number: %s", bad[i]);
        CHECK(rc == -1);
        CHECK(strncmp(err, "line ", 5) == 0);
        tf_file_free(&f);
        free(t);
    }
    /* A NUL byte anywhere. */
    char text[] = "foo 1\n\0bar 2\n";
    tf_file f;
    char err[128];
    CHECK(textfile_parse(text, sizeof text - 1, &f, err, sizeof err) == -1);
    tf_file_free(&f);
}

static void test_numbers(void)
{
    double v;
    CHECK(tf_parse_float("1.5", &v) == 0 && v == 1.5);
    CHECK(tf_parse_float("-.5e1", &v) == 0 && v == -5);
    CHECK(tf_parse_float("5.", &v) == 0 && v == 5);
    CHECK(tf_parse_float("+Inf", &v) == 0 && isinf(v) && v > 0);
    CHECK(tf_parse_float("-infinity", &v) == 0 && isinf(v) && v < 0);
    CHECK(tf_parse_float("NaN", &v) == 0 && isnan(v));
    CHECK(tf_parse_float("1e-400", &v) == 0 && v == 0);
    const char *bad[] = {"",     " 1", "1 ",    "0x1", "1_000", "infin",
                         "-nan", "e5", "1.2.3", "--1", "1e+",   "0x1p3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(tf_parse_float(bad[i], &v) == -1);
    CHECK(tf_valid_utf8("plain") && tf_valid_utf8("\xc3\xa9t\xc3\xa9") && tf_valid_utf8("\xf0\x9f\x98\x80"));
    CHECK(!tf_valid_utf8("\xc0\xaf") && !tf_valid_utf8("\xe0\x80\xaf") && !tf_valid_utf8("\xf4\x90\x80\x80"));
    CHECK(!tf_valid_utf8("\xc3") && !tf_valid_utf8("\x80"));
    CHECK(tf_count(-1) == 0 && tf_count(NAN) == 0 && tf_count(2.7) == 2 && tf_count(1e30) == UINT64_MAX);
}

static void test_path_join(void)
{
    const char *cases[][3] = {
        {"/var/lib/x", "a.prom", "/var/lib/x/a.prom"},
        {"/var/lib/x/", "a.prom", "/var/lib/x/a.prom"},
        {"./dir", "a.prom", "dir/a.prom"},
        {"d/../e//", "a.prom", "e/a.prom"},
        {"../up", "a.prom", "../up/a.prom"},
        {"/..", "a.prom", "/a.prom"},
        {"", "a.prom", "a.prom"},
        {"a/b/../..", "c", "c"},
        {"..", "..", "../.."},
        {"/", "x", "/x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[256];
        CHECK(tf_path_join(out, sizeof out, cases[i][0], cases[i][1]) == 0);
        CHECK_STR(out, cases[i][2]);
    }
    char small[4];
    CHECK(tf_path_join(small, sizeof small, "/abc", "d") == -1);
}

static void test_many_histogram_series(void)
{
    /* Merging by label set goes through a hash: 3000 series, interleaved buckets. */
    size_t cap = 1 << 20, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text + len, cap - len, "# TYPE h histogram\n");
    for (int le = 0; le < 3; le++)
        for (int i = 0; i < 3000; i++)
            len +=
                (size_t)snprintf(text + len, cap - len, "h_bucket{i=\"%d\",le=\"%d\"} %d\n", i, le, le + i);
    tf_file f;
    char err[128];
    CHECK(textfile_parse(text, len, &f, err, sizeof err) == 0);
    const tf_family *h = tf_find_family(&f, "h");
    CHECK(h && h->nmetrics == 3000);
    const tf_metric *m = metric_at(&f, h, 1234);
    CHECK(m->npoints == 3 && f.points[m->point0 + 2].value == 1236);
    tf_file_free(&f);
    free(text);
}

int main(void)
{
    test_good_file();
    test_odd_but_valid();
    test_rejected();
    test_numbers();
    test_path_join();
    test_many_histogram_series();
    CHECK_DONE();
}
