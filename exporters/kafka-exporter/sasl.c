/* sasl.c -- danielqsj's SASL flags onto librdkafka settings (sasl.h). */
#include "sasl.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "oauth.h"
#include "secret.h"
#include "xalloc.h"

/* The environment variable through which userAuth hands a password (not from a file) to kinit's stdin. */
#define KX_KINIT_PASSWORD_ENV "KAFKA_EXPORTER_KINIT_PASSWORD"

static pthread_mutex_t krb_lock = PTHREAD_MUTEX_INITIALIZER;
static char krb_dir[512];     /* private directory: ticket cache and kinit.err; "" if none */
static char krb_errfile[600]; /* kinit's stderr of the last run; "" unless GSSAPI */
static bool krb_keytab;       /* keytabAuth (else userAuth) */

const char *kx_sasl_mechanism(const char *flag)
{
    static const struct {
        const char *flag, *mech;
    } names[] = {
        {"plain", "PLAIN"},
        {"scram-sha256", "SCRAM-SHA-256"},
        {"scram-sha-256", "SCRAM-SHA-256"},
        {"scram-sha512", "SCRAM-SHA-512"},
        {"scram-sha-512", "SCRAM-SHA-512"},
        {"gssapi", "GSSAPI"},
        {"oauthbearer", "OAUTHBEARER"},
        {"awsiam", "AWS_MSK_IAM"},
    };
    if (!flag || !*flag)
        return "PLAIN";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(flag, names[i].flag) == 0)
            return names[i].mech;
    return NULL;
}

char *kx_sasl_read_secret(const char *path, char *err, size_t errlen)
{
    char why[512];
    char *p = secret_read_line(path, SECRET_MAX, why, sizeof why);
    if (!p)
        snprintf(err, errlen, "--sasl.password-file %s", why);
    return p;
}

/* The password, by danielqsj's and our order of sources; NULL if none (no error: PLAIN checks). */
static char *password_of(const kx_options *o, char *err, size_t errlen, bool *failed)
{
    *failed = false;
    if (o->sasl_password_file) {
        char *p = kx_sasl_read_secret(o->sasl_password_file, err, errlen);
        *failed = p == NULL;
        return p;
    }
    if (getenv("KAFKA_SASL_PASSWORD"))
        return xstrdup(getenv("KAFKA_SASL_PASSWORD"));
    if (o->sasl_password && *o->sasl_password)
        return xstrdup(o->sasl_password);
    if (getenv("SASL_USER_PASSWORD") && *getenv("SASL_USER_PASSWORD"))
        return xstrdup(getenv("SASL_USER_PASSWORD"));
    return NULL;
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err, size_t errlen)
{
    char errstr[256];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "kafka client setting %s: %s", name, errstr); /* the value may be a secret */
        return -1;
    }
    return 0;
}

/* librdkafka pastes these into a shell command (sasl.kerberos.kinit.cmd): no quoting tricks. */
static bool shell_safe(const char *s)
{
    return s && !strpbrk(s, "\"$`\\\n\r");
}

static bool principal_safe(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') || ('0' <= *s && *s <= '9') ||
              strchr("._-/@+=", *s)))
            return false;
    return true;
}

static int gssapi(rd_kafka_conf_t *conf, const kx_options *o, char *err, size_t errlen)
{
    int rc = -1;
    char *password = NULL;
    const char *auth = o->sasl_kerberos_auth_type;
    bool keytab;
    if (!auth || !*auth)
        keytab = o->sasl_keytab_path != NULL; /* danielqsj would take userAuth here and ignore the keytab */
    else if (strcasecmp(auth, "keytabAuth") == 0)
        keytab = true;
    else if (strcasecmp(auth, "userAuth") == 0)
        keytab = false;
    else {
        snprintf(err, errlen, "--sasl.kerberos-auth-type %s: use keytabAuth or userAuth", auth);
        return -1;
    }
    if (!o->sasl_username || !*o->sasl_username) {
        snprintf(err, errlen,
                 "--sasl.mechanism gssapi needs --sasl.username (the Kerberos principal's name)");
        return -1;
    }
    char principal[512];
    if (strchr(o->sasl_username, '@') || !o->sasl_realm || !*o->sasl_realm)
        snprintf(principal, sizeof principal, "%s", o->sasl_username);
    else
        snprintf(principal, sizeof principal, "%s@%s", o->sasl_username, o->sasl_realm);
    if (!principal_safe(principal)) {
        snprintf(err, errlen, "--sasl.username/--sasl.realm: \"%s\" is not a Kerberos principal name",
                 principal);
        return -1;
    }
    if (keytab && !o->sasl_keytab_path) {
        snprintf(err, errlen, "--sasl.kerberos-auth-type keytabAuth needs --sasl.keytab-path");
        return -1;
    }
    if (keytab && (!shell_safe(o->sasl_keytab_path) || access(o->sasl_keytab_path, R_OK) != 0)) {
        snprintf(err, errlen, "--sasl.keytab-path %s: %s", o->sasl_keytab_path,
                 shell_safe(o->sasl_keytab_path) ? strerror(errno) : "quotes, $, ` and \\ are not allowed");
        return -1;
    }
    if (o->sasl_kerberos_config_path) {
        if (access(o->sasl_kerberos_config_path, R_OK) != 0) {
            snprintf(err, errlen, "--sasl.kerberos-config-path %s: %s", o->sasl_kerberos_config_path,
                     strerror(errno));
            return -1;
        }
        setenv("KRB5_CONFIG", o->sasl_kerberos_config_path, 1); /* read by kinit and by libkrb5 in-process */
    }
    if (!keytab) {
        bool failed;
        password = password_of(o, err, errlen, &failed);
        if (failed)
            return -1;
        if (!password && !(o->sasl_password_file)) {
            snprintf(err, errlen,
                     "--sasl.kerberos-auth-type userAuth needs a password (--sasl.password-file, "
                     "$KAFKA_SASL_PASSWORD, --sasl.password or $SASL_USER_PASSWORD)");
            return -1;
        }
        if (o->sasl_password_file && !shell_safe(o->sasl_password_file)) {
            snprintf(err, errlen, "--sasl.password-file %s: quotes, $, ` and \\ are not allowed here",
                     o->sasl_password_file);
            goto out;
        }
    }
    /* A private directory for the ticket cache and kinit's complaints. */
    const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[512];
    if (snprintf(dir, sizeof dir, "%s/kafka-exporter-krb5.XXXXXX", tmp) >= (int)sizeof dir || !mkdtemp(dir) ||
        !shell_safe(dir)) {
        snprintf(err, errlen, "cannot make a private directory for the Kerberos ticket cache in %s: %s", tmp,
                 strerror(errno));
        goto out;
    }
    pthread_mutex_lock(&krb_lock);
    snprintf(krb_dir, sizeof krb_dir, "%s", dir);
    snprintf(krb_errfile, sizeof krb_errfile, "%s/kinit.err", dir);
    krb_keytab = keytab;
    pthread_mutex_unlock(&krb_lock);
    if (!getenv("KRB5CCNAME") || !*getenv("KRB5CCNAME")) {
        char cc[600];
        snprintf(cc, sizeof cc, "FILE:%s/ccache", dir);
        setenv("KRB5CCNAME", cc, 1);
    }
    char cmd[2048];
    const char *quiet = ">/dev/null 2>";
    if (keytab)
        snprintf(cmd, sizeof cmd,
                 "kinit -k -t \"%%{sasl.kerberos.keytab}\" %%{sasl.kerberos.principal} %s\"%s\"", quiet,
                 krb_errfile);
    else if (o->sasl_password_file)
        snprintf(cmd, sizeof cmd, "kinit %%{sasl.kerberos.principal} <\"%s\" %s\"%s\"", o->sasl_password_file,
                 quiet, krb_errfile);
    else {
        setenv(KX_KINIT_PASSWORD_ENV, password, 1);
        snprintf(cmd, sizeof cmd, "printf '%%s\\n' \"$%s\" | kinit %%{sasl.kerberos.principal} %s\"%s\"",
                 KX_KINIT_PASSWORD_ENV, quiet, krb_errfile);
    }
    if (set(conf, "sasl.mechanisms", "GSSAPI", err, errlen) ||
        set(conf, "sasl.kerberos.service.name",
            o->sasl_service_name && *o->sasl_service_name ? o->sasl_service_name : "kafka", err, errlen) ||
        set(conf, "sasl.kerberos.principal", principal, err, errlen) ||
        (keytab && set(conf, "sasl.kerberos.keytab", o->sasl_keytab_path, err, errlen)) ||
        set(conf, "sasl.kerberos.kinit.cmd", cmd, err, errlen))
        goto out;
    if (o->sasl_disable_pafxfast)
        log_debug("--sasl.disable-PA-FX-FAST: nothing to do, kinit uses FAST only with an armour cache (-T), "
                  "which it is never given",
                  NULL);
    rc = 0;
out:
    secret_free(password);
    return rc;
}

int kx_sasl_configure(rd_kafka_conf_t *conf, const kx_options *o, char *mech_out, char *err, size_t errlen)
{
    const char *mech = kx_sasl_mechanism(o->sasl_mechanism);
    if (!mech) {
        snprintf(
            err, errlen,
            "--sasl.mechanism %s: use plain, scram-sha256, scram-sha512, gssapi or oauthbearer (any case)",
            o->sasl_mechanism);
        return -1;
    }
    if (strcmp(mech, "AWS_MSK_IAM") == 0) {
        snprintf(err, errlen,
                 "--sasl.mechanism awsiam: AWS IAM authentication exists only on Amazon MSK (requests signed "
                 "with AWS credentials) and librdkafka has no client for it; on MSK enable SASL/SCRAM "
                 "(--sasl.mechanism=scram-sha512) or mutual TLS (--tls.cert-file, --tls.key-file) for the "
                 "exporter");
        return -1;
    }
    snprintf(mech_out, 16, "%s", mech);
    if (strcmp(mech, "GSSAPI") == 0)
        return gssapi(conf, o, err, errlen);
    bool failed;
    char *password = password_of(o, err, errlen, &failed);
    if (failed)
        return -1;
    int rc = -1;
    if (!password || !o->sasl_username) {
        snprintf(err, errlen,
                 "--sasl.mechanism %s needs --sasl.username and a password (--sasl.password-file, "
                 "$KAFKA_SASL_PASSWORD, --sasl.password or $SASL_USER_PASSWORD)%s",
                 o->sasl_mechanism ? o->sasl_mechanism : "plain",
                 strcmp(mech, "OAUTHBEARER") == 0 ? ": the OAuth client id and secret" : "");
        goto out;
    }
    if (strcmp(mech, "OAUTHBEARER") == 0) {
        const char *url = o->sasl_oauthbearer_token_url && *o->sasl_oauthbearer_token_url
                              ? o->sasl_oauthbearer_token_url
                              : getenv("SASL_OAUTHBEARER_TOKEN_URL");
        if (!url || !*url) {
            snprintf(err, errlen,
                     "--sasl.mechanism oauthbearer needs --sasl.oauthbearer-token-url (or "
                     "$SASL_OAUTHBEARER_TOKEN_URL)");
            goto out;
        }
        if (set(conf, "sasl.mechanisms", "OAUTHBEARER", err, errlen) ||
            kx_oauth_setup(conf, url, o->sasl_username, password, err, errlen) != 0)
            goto out;
        rc = 0;
        goto out;
    }
    if (set(conf, "sasl.mechanisms", mech, err, errlen) ||
        set(conf, "sasl.username", o->sasl_username, err, errlen) ||
        set(conf, "sasl.password", password, err, errlen))
        goto out;
    rc = 0;
out:
    secret_free(password);
    return rc;
}

int kx_sasl_kerberos_cause(char *out, size_t outlen)
{
    pthread_mutex_lock(&krb_lock);
    char line[512] = "";
    FILE *f = krb_errfile[0] ? fopen(krb_errfile, "r") : NULL;
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = '\0';
        fclose(f);
    }
    bool keytab = krb_keytab;
    pthread_mutex_unlock(&krb_lock);
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0])
        return 0;
    const char *hint = "";
    if (strstr(line, "Password incorrect") || strstr(line, "Preauthentication failed"))
        hint =
            keytab
                ? " (the KDC refused the keys of --sasl.keytab-path: a stale keytab, or another principal's)"
                : " (the KDC refused the password)";
    else if (strstr(line, "Cannot find KDC") || strstr(line, "Cannot contact any KDC"))
        hint = " (check --sasl.realm and the realms and KDCs of --sasl.kerberos-config-path)";
    else if (strstr(line, "not found in Kerberos database"))
        hint = " (check --sasl.username and --sasl.realm)";
    else if (strstr(line, "Keytab contains no suitable keys") || strstr(line, "Key table"))
        hint = " (check --sasl.keytab-path against --sasl.username and --sasl.realm)";
    else if (strstr(line, "not found") && strstr(line, "kinit"))
        hint = " (install kinit: Debian's krb5-user)";
    snprintf(out, outlen, "Kerberos login failed: %s%s", line, hint);
    return 1;
}

void kx_sasl_cleanup(void)
{
    pthread_mutex_lock(&krb_lock);
    if (krb_dir[0]) {
        char p[600];
        snprintf(p, sizeof p, "%s/ccache", krb_dir);
        unlink(p);
        unlink(krb_errfile);
        rmdir(krb_dir);
    }
    krb_dir[0] = krb_errfile[0] = '\0';
    pthread_mutex_unlock(&krb_lock);
    if (getenv(KX_KINIT_PASSWORD_ENV)) {
        char *v = getenv(KX_KINIT_PASSWORD_ENV);
        explicit_bzero(v, strlen(v));
        unsetenv(KX_KINIT_PASSWORD_ENV);
    }
    kx_oauth_stop();
}
