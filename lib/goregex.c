/* goregex.c -- Go (RE2) patterns translated to POSIX extended regex (goregex.h).
 *
 * A one-pass translator that follows Go's regexp/syntax parser (Perl flags, as regexp.Compile) for what it
 * accepts and refuses. Character classes are built as sets of ASCII bytes (plus one bit for "every
 * non-ASCII byte", which only negation can set) and written back as a bracket POSIX reads the same way,
 * whatever Go's rules for `]`, `-` and `^` were. */
#include "goregex.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 100   /* nested groups (Go allows 1000; we do not need them) */
#define MAX_REPEAT 1000 /* Go's limit on {n,m}, also on nested counts multiplied */
#define OUT_LIMIT (64 * 1024)

enum flag_bits { FOLD = 1, DOTNL = 2, MULTILINE = 4 };
enum last_kind { LAST_NONE, LAST_ATOM, LAST_ANCHOR, LAST_REPEAT };

typedef struct set {
    uint64_t bits[2]; /* ASCII 0..127 */
    bool high;        /* every byte >= 0x80 (only a negation puts it here) */
} set;

typedef struct tr {
    const char *pat, *p;
    char *out;
    size_t o, outlen;
    char *err;
    size_t errlen;
    int flags;
    int depth;
    int saved_flags[MAX_DEPTH];
    int inner_count[MAX_DEPTH + 1]; /* the largest {n,m} count inside each open group, nesting multiplied */
    int group_count;                /* that of the group just closed, for a count that follows it */
    enum last_kind last;
} tr;

static int fail(tr *t, const char *at, const char *why)
{
    size_t off = (size_t)(at - t->pat);
    snprintf(t->err, t->errlen, "%s at offset %zu (\"%.12s\")", why, off, at);
    return -1;
}

static int put(tr *t, const char *s, size_t n)
{
    if (t->o + n + 1 > t->outlen) {
        snprintf(t->err, t->errlen, "pattern too long once translated");
        return -1;
    }
    memcpy(t->out + t->o, s, n);
    t->o += n;
    t->out[t->o] = '\0';
    return 0;
}

static int putc_(tr *t, char c)
{
    return put(t, &c, 1);
}

static void set_add(set *s, unsigned c)
{
    s->bits[c >> 6] |= (uint64_t)1 << (c & 63);
}

static bool set_has(const set *s, unsigned c)
{
    return (s->bits[c >> 6] >> (c & 63)) & 1;
}

static void set_range(set *s, unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi; c++)
        set_add(s, c);
}

static void set_union(set *a, const set *b)
{
    a->bits[0] |= b->bits[0];
    a->bits[1] |= b->bits[1];
    a->high = a->high || b->high;
}

static void set_negate(set *s)
{
    s->bits[0] = ~s->bits[0];
    s->bits[1] = ~s->bits[1];
    s->high = !s->high;
}

/* Adds the other case of every ASCII letter in s (Go's simple folding, for ASCII). */
static void set_fold(set *s)
{
    for (unsigned c = 'A'; c <= 'Z'; c++) {
        if (set_has(s, c))
            set_add(s, c + 32);
        if (set_has(s, c + 32))
            set_add(s, c);
    }
}

static bool is_alpha(unsigned c)
{
    return (c | 32) >= 'a' && (c | 32) <= 'z';
}

static bool is_digit(unsigned c)
{
    return c >= '0' && c <= '9';
}

static bool is_word(unsigned c)
{
    return is_alpha(c) || is_digit(c) || c == '_';
}

/* Go's ASCII classes: [[:name:]] and, as Perl classes, \d \s \w. 0, or -1 if the name is unknown. */
static int named_class(const char *name, size_t len, set *s)
{
    static const struct {
        const char *name;
        const char *ranges; /* pairs lo,hi */
    } classes[] = {
        {"alnum", "09AZaz"},
        {"alpha", "AZaz"},
        {"ascii", "\x01\x7f"},
        {"blank", "\t\t  "},
        {"cntrl", "\x01\x1f\x7f\x7f"},
        {"digit", "09"},
        {"graph", "!~"},
        {"lower", "az"},
        {"print", " ~"},
        {"punct", "!/:@[`{~"},
        {"space", "\t\r  "},
        {"upper", "AZ"},
        {"word", "09AZaz__"},
        {"xdigit", "09AFaf"},
    };
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        if (strlen(classes[i].name) != len || memcmp(classes[i].name, name, len) != 0)
            continue;
        for (const char *r = classes[i].ranges; *r; r += 2)
            set_range(s, (unsigned char)r[0], (unsigned char)r[1]);
        return 0;
    }
    return -1;
}

/* \d \s \w and their negations: 1 with the set, 0 if c is not one. Go's \s is [\t\n\f\r ] (no \v). */
static int perl_class(char c, int flags, set *s)
{
    memset(s, 0, sizeof *s);
    switch (c | 32) {
    case 'd':
        set_range(s, '0', '9');
        break;
    case 's':
        set_add(s, '\t');
        set_add(s, '\n');
        set_add(s, '\f');
        set_add(s, '\r');
        set_add(s, ' ');
        break;
    case 'w':
        (void)named_class("word", 4, s);
        break;
    default:
        return 0;
    }
    if (flags & FOLD)
        set_fold(s); /* folded, then negated: Go's order */
    if (c >= 'A' && c <= 'Z')
        set_negate(s);
    return 1;
}

static int hexval(char c)
{
    if (is_digit((unsigned char)c))
        return c - '0';
    if ((c | 32) >= 'a' && (c | 32) <= 'f')
        return (c | 32) - 'a' + 10;
    return -1;
}

/* Go's parseEscape: *pp at the backslash; on success the rune in *r and *pp past the escape. Perl classes,
 * anchors and \Q are the caller's. */
static int escape_char(tr *t, const char **pp, uint32_t *r)
{
    const char *at = *pp, *p = at + 1;
    char c = *p++;
    switch (c) {
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
        if (*p < '0' || *p > '7')
            return fail(t, at, "backreferences are not supported (Go: invalid escape)");
        __attribute__((fallthrough)); /* an octal escape */
    case '0': {
        uint32_t v = (uint32_t)(c - '0');
        for (int i = 0; i < 2 && *p >= '0' && *p <= '7'; i++)
            v = v * 8 + (uint32_t)(*p++ - '0');
        *r = v;
        break;
    }
    case 'x': {
        uint32_t v = 0;
        if (*p == '{') {
            p++;
            int n = 0;
            for (; hexval(*p) >= 0; p++, n++) {
                v = v * 16 + (uint32_t)hexval(*p);
                if (v > 0x10FFFF)
                    return fail(t, at, "invalid escape sequence");
            }
            if (n == 0 || *p != '}')
                return fail(t, at, "invalid escape sequence");
            p++;
        } else {
            if (hexval(p[0]) < 0 || hexval(p[1]) < 0)
                return fail(t, at, "invalid escape sequence");
            v = (uint32_t)(hexval(p[0]) * 16 + hexval(p[1]));
            p += 2;
        }
        *r = v;
        break;
    }
    case 'a':
        *r = 7;
        break;
    case 'f':
        *r = '\f';
        break;
    case 'n':
        *r = '\n';
        break;
    case 'r':
        *r = '\r';
        break;
    case 't':
        *r = '\t';
        break;
    case 'v':
        *r = '\v';
        break;
    default:
        if (c == '\0')
            return fail(t, at, "trailing backslash");
        if ((unsigned char)c < 0x80 && !is_word((unsigned char)c)) {
            *r = (uint32_t)(unsigned char)c; /* escaped punctuation is itself */
            break;
        }
        if (c == 'p' || c == 'P')
            return fail(t, at, "Unicode classes (\\p, \\P) are not supported");
        return fail(t, at, "invalid escape sequence");
    }
    *pp = p;
    return 0;
}

/* The length of the UTF-8 sequence at p, or 0 if it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *p)
{
    size_t n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || p[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((n == 3 && p[0] == 0xE0 && p[1] < 0xA0) || (n == 4 && p[0] == 0xF0 && p[1] < 0x90) ||
        (n == 4 && p[0] == 0xF4 && p[1] > 0x8F) || (n == 3 && p[0] == 0xED && p[1] > 0x9F))
        return 0;
    return n;
}

/* Writes set s as one ERE atom: a bracket POSIX reads as meant (']' first, '-' last, '^' never first). */
static int emit_set(tr *t, const char *at, set s)
{
    s.bits[0] &= ~(uint64_t)1; /* NUL never occurs in a C string */
    bool all = s.high && s.bits[0] == ~(uint64_t)1 && s.bits[1] == ~(uint64_t)0;
    if (all)
        return put(t, ".", 1); /* without REG_NEWLINE, '.' matches everything, newline included */
    bool neg = s.high;
    if (neg) {
        set_negate(&s);
        s.bits[0] &= ~(uint64_t)1;
    }
    if (!s.bits[0] && !s.bits[1])
        return fail(t, at, "a class that matches nothing is not supported");
    if (!neg && s.bits[0] == 0 && s.bits[1] == (uint64_t)1 << ('^' - 64))
        return put(t, "\\^", 2);
    char body[300];
    size_t n = 0;
    body[n++] = '[';
    if (neg)
        body[n++] = '^';
    bool rbracket = set_has(&s, ']'), caret = set_has(&s, '^'), dash = set_has(&s, '-');
    if (rbracket)
        body[n++] = ']';
    else if (!neg && caret && dash) {
        body[n++] = '-'; /* "[-^]": neither may come first otherwise */
        dash = false;
    }
    for (unsigned c = 1; c < 128; c++) {
        if (!set_has(&s, c) || c == ']' || c == '^' || c == '-')
            continue;
        unsigned e = c;
        while (e + 1 < 128 && set_has(&s, e + 1) && e + 1 != ']' && e + 1 != '^' && e + 1 != '-')
            e++;
        body[n++] = (char)c;
        if (e >= c + 2) {
            body[n++] = '-';
            body[n++] = (char)e;
        } else if (e == c + 1) {
            body[n++] = (char)e;
        }
        c = e;
    }
    if (caret)
        body[n++] = '^'; /* after a member: the lone caret was written as \^ above */
    if (dash)
        body[n++] = '-';
    body[n++] = ']';
    return put(t, body, n);
}

/* One literal ASCII character as an ERE atom. */
static int emit_literal(tr *t, const char *at, uint32_t c)
{
    if (c == 0)
        return fail(t, at, "a NUL character never matches a C string");
    if (c >= 0x80) {
        if (t->flags & FOLD)
            return fail(t, at, "non-ASCII characters under (?i) are not supported");
        char u[6];
        size_t n;
        if (c < 0x800) {
            u[1] = (char)(0xC0 | (c >> 6));
            u[2] = (char)(0x80 | (c & 0x3F));
            n = 2;
        } else if (c < 0x10000) {
            u[1] = (char)(0xE0 | (c >> 12));
            u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
            u[3] = (char)(0x80 | (c & 0x3F));
            n = 3;
        } else {
            u[1] = (char)(0xF0 | (c >> 18));
            u[2] = (char)(0x80 | ((c >> 12) & 0x3F));
            u[3] = (char)(0x80 | ((c >> 6) & 0x3F));
            u[4] = (char)(0x80 | (c & 0x3F));
            n = 4;
        }
        u[0] = '(';
        u[n + 1] = ')';
        return put(t, u, n + 2); /* a group, so that a repetition takes the whole character */
    }
    if ((t->flags & FOLD) && is_alpha(c)) {
        set s = {{0, 0}, false};
        set_add(&s, c);
        set_fold(&s);
        return emit_set(t, at, s);
    }
    if (strchr(".[]()*+?{}|^$\\", (int)c))
        return putc_(t, '\\') == 0 ? putc_(t, (char)c) : -1;
    return putc_(t, (char)c);
}

/* A class item's character: a plain ASCII character or an escape. */
static int class_char(tr *t, const char **pp, uint32_t *r)
{
    const char *p = *pp;
    if (*p == '\\')
        return escape_char(t, pp, r);
    if ((unsigned char)*p >= 0x80)
        return fail(t, p, "non-ASCII characters in a class are not supported");
    *r = (unsigned char)*p;
    *pp = p + 1;
    return 0;
}

/* A bracket expression, *pp at '['; leaves *pp past its ']'. Go's parseClass. */
static int parse_class(tr *t, const char **pp)
{
    const char *start = *pp, *p = start + 1;
    set cls = {{0, 0}, false};
    bool negated = false;
    if (*p == '^') {
        negated = true;
        p++;
    }
    bool first = true;
    while (*p != ']' || first) {
        if (*p == '\0')
            return fail(t, start, "missing closing ]");
        first = false;
        set item = {{0, 0}, false};
        if (p[0] == '[' && p[1] == ':') {
            const char *end = strstr(p + 2, ":]");
            if (!end)
                goto single; /* Go: then '[' is a literal */
            const char *name = p + 2;
            bool neg = *name == '^';
            if (neg)
                name++;
            if (named_class(name, (size_t)(end - name), &item) < 0)
                return fail(t, p, "invalid character class range");
            if (t->flags & FOLD)
                set_fold(&item);
            if (neg)
                set_negate(&item);
            p = end + 2;
            set_union(&cls, &item);
            continue;
        }
        if (p[0] == '\\' && (p[1] == 'p' || p[1] == 'P'))
            return fail(t, p, "Unicode classes (\\p, \\P) are not supported");
        if (p[0] == '\\' && perl_class(p[1], t->flags, &item)) {
            p += 2;
            set_union(&cls, &item);
            continue;
        }
    single:;
        uint32_t lo, hi;
        const char *at = p;
        if (*p == '[') {
            lo = '[';
            p++;
        } else if (class_char(t, &p, &lo) < 0) {
            return -1;
        }
        hi = lo;
        if (p[0] == '-' && p[1] != ']' && p[1] != '\0') {
            p++;
            if (class_char(t, &p, &hi) < 0)
                return -1;
            if (hi < lo)
                return fail(t, at, "invalid character class range");
        }
        if (hi >= 0x80)
            return fail(t, at, "non-ASCII characters in a class are not supported");
        set_range(&item, lo, hi);
        if (t->flags & FOLD)
            set_fold(&item);
        set_union(&cls, &item);
    }
    *pp = p + 1;
    if (negated)
        set_negate(&cls);
    return emit_set(t, start, cls);
}

/* A repetition count "{n}", "{n,}" or "{n,m}" at p (Go's parseRepeat): 1 with the end and counts, 0 if
 * it is not one (then Go takes '{' as a literal). max is -1 for "no maximum". */
static int repeat_count(const char *p, const char **end, int *min, int *max)
{
    int v[2] = {-1, -1}, k = 0;
    p++;
    for (;;) {
        if (!is_digit((unsigned char)*p))
            return 0;
        if (p[0] == '0' && is_digit((unsigned char)p[1]))
            return 0; /* Go refuses leading zeros */
        long n = 0;
        for (; is_digit((unsigned char)*p); p++)
            if ((n = n * 10 + (*p - '0')) > 100000000)
                n = 100000000;
        v[k] = (int)n;
        if (k == 0 && *p == ',') {
            k = 1;
            p++;
            if (*p == '}') {
                v[1] = -1;
                break;
            }
            continue;
        }
        break;
    }
    if (*p != '}')
        return 0;
    *min = v[0];
    *max = k == 0 ? v[0] : v[1];
    *end = p + 1;
    return 1;
}

/* A repetition operator at *pp (after the atom it repeats). */
static int parse_repeat(tr *t, const char **pp, const char *op, size_t oplen, int count)
{
    const char *at = *pp;
    if (t->last == LAST_NONE)
        return fail(t, at, "missing argument to repetition operator");
    if (t->last == LAST_REPEAT)
        return fail(t, at, "invalid nested repetition operator");
    if (t->last == LAST_ANCHOR)
        return fail(t, at, "a repeated anchor is not supported");
    if (count > 0) {
        long total = (long)count * (t->group_count > 0 ? t->group_count : 1);
        if (total > MAX_REPEAT)
            return fail(t, at, "invalid repeat count");
        if (total > t->inner_count[t->depth])
            t->inner_count[t->depth] = (int)total;
    }
    if (put(t, op, oplen) < 0)
        return -1;
    const char *p = at + (op[0] == '{' ? 0 : 1);
    if (op[0] == '{') {
        int mn, mx;
        (void)repeat_count(p, &p, &mn, &mx);
    }
    if (*p == '?')
        p++; /* lazy: the same strings match */
    *pp = p;
    t->last = LAST_REPEAT;
    t->group_count = 0;
    return 0;
}

/* "(?flags)" or "(?flags:" at p (past "(?"); Go's parsePerlFlags. Returns the end, or NULL. */
static const char *perl_flags(tr *t, const char *at, const char *p, int *flags, bool *group)
{
    int f = t->flags;
    int sign = 1;
    bool saw = false;
    for (;; p++) {
        int bit = 0;
        switch (*p) {
        case 'i':
            bit = FOLD;
            break;
        case 'm':
            bit = MULTILINE;
            break;
        case 's':
            bit = DOTNL;
            break;
        case 'U':
            bit = -1; /* ungreedy: whether a string matches does not change */
            break;
        case '-':
            if (sign < 0)
                goto bad;
            sign = -1;
            saw = false;
            continue;
        case ':':
        case ')':
            if (sign < 0 && !saw)
                goto bad;
            *flags = f;
            *group = *p == ':';
            return p + 1;
        default:
            goto bad;
        }
        saw = true;
        if (bit > 0)
            f = sign > 0 ? f | bit : f & ~bit;
    }
bad:
    fail(t, at, "invalid or unsupported Perl syntax");
    return NULL;
}

static int open_group(tr *t, const char *at, int restore_flags)
{
    if (t->depth >= MAX_DEPTH)
        return fail(t, at, "groups nested too deeply");
    t->saved_flags[t->depth++] = restore_flags;
    t->inner_count[t->depth] = 0;
    t->last = LAST_NONE;
    return putc_(t, '(');
}

/* After '\': an anchor, a Perl class or \Q...\E, else an escaped character. */
static int parse_escape(tr *t, const char **pp)
{
    const char *at = *pp;
    char c = at[1];
    set s;
    switch (c) {
    case 'A':
    case 'z':
        *pp = at + 2;
        t->last = LAST_ANCHOR;
        return putc_(t, c == 'A' ? '^' : '$');
    case 'b':
    case 'B':
        *pp = at + 2;
        t->last = LAST_ANCHOR;
        return put(t, c == 'b' ? "\\b" : "\\B", 2); /* glibc's, on the same ASCII word characters */
    case 'C':
        return fail(t, at, "\\C is not supported");
    case 'Q': {
        const char *p = at + 2;
        const char *end = strstr(p, "\\E");
        const char *stop = end ? end : p + strlen(p);
        for (; p < stop; p++) {
            if ((unsigned char)*p >= 0x80) {
                size_t n = utf8_len((const unsigned char *)p);
                if (n == 0)
                    return fail(t, p, "invalid UTF-8");
                if (t->flags & FOLD)
                    return fail(t, p, "non-ASCII characters under (?i) are not supported");
                if (putc_(t, '(') < 0 || put(t, p, n) < 0 || putc_(t, ')') < 0)
                    return -1;
                p += n - 1;
            } else if (emit_literal(t, p, (unsigned char)*p) < 0) {
                return -1;
            }
            t->last = LAST_ATOM;
        }
        *pp = end ? end + 2 : stop;
        return 0;
    }
    default:
        break;
    }
    if (c == 'p' || c == 'P')
        return fail(t, at, "Unicode classes (\\p, \\P) are not supported");
    if (perl_class(c, t->flags, &s)) {
        *pp = at + 2;
        t->last = LAST_ATOM;
        return emit_set(t, at, s);
    }
    uint32_t r;
    if (escape_char(t, pp, &r) < 0)
        return -1;
    t->last = LAST_ATOM;
    return emit_literal(t, at, r);
}

int goregex_translate(const char *pattern, char *out, size_t outlen, char *err, size_t errlen)
{
    tr t = {.pat = pattern, .out = out, .outlen = outlen, .err = err, .errlen = errlen};
    if (outlen == 0)
        return -1;
    out[0] = '\0';
    if (strlen(pattern) > GOREGEX_MAX_PATTERN) {
        snprintf(err, errlen, "pattern longer than %d bytes", GOREGEX_MAX_PATTERN);
        return -1;
    }
    const char *p = pattern;
    while (*p) {
        const char *at = p;
        unsigned char c = (unsigned char)*p;
        int rc = 0;
        int mn, mx;
        const char *end;
        switch (c) {
        case '(':
            if (p[1] == '?') {
                if (p[2] == 'P' && p[3] == '=')
                    return fail(&t, at, "backreferences are not supported (Go: invalid named capture)");
                if ((p[2] == 'P' && p[3] == '<') || p[2] == '<') {
                    const char *name = p + (p[2] == 'P' ? 4 : 3), *q = name;
                    while (is_word((unsigned char)*q))
                        q++;
                    if (q == name || *q != '>')
                        return fail(&t, at, "invalid named capture");
                    rc = open_group(&t, at, t.flags);
                    p = q + 1;
                    break;
                }
                int flags;
                bool group;
                const char *next = perl_flags(&t, at, p + 2, &flags, &group);
                if (!next)
                    return -1;
                if (group)
                    rc = open_group(&t, at, t.flags);
                t.flags = flags; /* a bare (?i) lasts to the end of the enclosing group */
                p = next;
                break;
            }
            rc = open_group(&t, at, t.flags);
            p++;
            break;
        case ')':
            if (t.depth == 0)
                return fail(&t, at, "unexpected )");
            t.flags = t.saved_flags[--t.depth];
            t.group_count = t.inner_count[t.depth + 1];
            if (t.group_count > t.inner_count[t.depth])
                t.inner_count[t.depth] = t.group_count;
            t.last = LAST_ATOM;
            p++;
            if (putc_(&t, ')') < 0)
                return -1;
            continue; /* keeps group_count for a count that follows */
        case '|':
            t.last = LAST_NONE;
            rc = putc_(&t, '|');
            p++;
            break;
        case '*':
        case '+':
        case '?':
            if (parse_repeat(&t, &p, at, 1, 0) < 0)
                return -1;
            continue;
        case '{':
            if (repeat_count(p, &end, &mn, &mx)) {
                if (mn > MAX_REPEAT || mx > MAX_REPEAT || (mx >= 0 && mn > mx))
                    return fail(&t, at, "invalid repeat count");
                if (parse_repeat(&t, &p, at, (size_t)(end - at), mx > mn ? mx : mn) < 0)
                    return -1;
                continue;
            }
            t.last = LAST_ATOM;
            rc = emit_literal(&t, at, '{');
            p++;
            break;
        case '^':
        case '$':
            if (t.flags & MULTILINE)
                return fail(&t, at, "(?m) line anchors are not supported");
            t.last = LAST_ANCHOR;
            rc = putc_(&t, (char)c);
            p++;
            break;
        case '.':
            t.last = LAST_ATOM;
            rc = put(&t, t.flags & DOTNL ? "." : "[^\n]", t.flags & DOTNL ? 1 : 4);
            p++;
            break;
        case '[':
            t.last = LAST_ATOM;
            rc = parse_class(&t, &p);
            break;
        case '\\':
            rc = parse_escape(&t, &p);
            break;
        default:
            t.last = LAST_ATOM;
            if (c >= 0x80) {
                size_t n = utf8_len((const unsigned char *)p);
                if (n == 0)
                    return fail(&t, at, "invalid UTF-8");
                if (t.flags & FOLD)
                    return fail(&t, at, "non-ASCII characters under (?i) are not supported");
                rc = putc_(&t, '(') < 0 || put(&t, p, n) < 0 || putc_(&t, ')') < 0 ? -1 : 0;
                p += n;
            } else {
                rc = emit_literal(&t, at, c);
                p++;
            }
            break;
        }
        if (rc < 0)
            return -1;
        t.group_count = 0;
    }
    if (t.depth > 0)
        return fail(&t, p, "missing closing )");
    return 0;
}

int goregex_compile(regex_t *re, const char *pattern, char *err, size_t errlen)
{
    char *ere = malloc(OUT_LIMIT);
    if (!ere) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = goregex_translate(pattern, ere, OUT_LIMIT, err, errlen);
    if (rc == 0) {
        int e = regcomp(re, ere, REG_EXTENDED | REG_NOSUB);
        if (e != 0) {
            char why[128];
            regerror(e, NULL, why, sizeof why);
            snprintf(err, errlen, "%s", why);
            rc = -1;
        }
    }
    free(ere);
    return rc;
}

int goregex_match(const regex_t *re, const char *s)
{
    return regexec(re, s, 0, NULL, 0) == 0;
}
