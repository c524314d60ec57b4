/* secretargs.h -- keeps secret flag values out of the process list once the flags are parsed. */
#ifndef EXP_SECRETARGS_H
#define EXP_SECRETARGS_H

/* Overwrites the secrets in argv with "***" (not one '*' per character: the length is a secret too) and
 * moves the following arguments up over the freed bytes, so that ps and /proc/PID/cmdline show neither
 * them nor their length (only the whole area's size, which ends in NULs, still counts them). A secret is:
 *  - the value of a flag named in `flags` ("--sasl.password": both the --f=V and the --f V forms);
 *  - in the value of a flag named in `option_flags`, which is a client option "name=value" (such as
 *    --source.kafka.option=sasl.password=V), the part after '=' when the name contains "password",
 *    "secret" or ends in ".key" (librdkafka's ssl.key.pem and the like).
 * Either list is NULL-terminated and may be NULL. Call only after the flags are parsed: flags.c keeps
 * copies, not pointers into argv. A value is visible from exec until this call, so a password file is
 * still the better way. Returns how many values were hidden. Cannot fail. */
int hide_secret_args(int argc, char **argv, const char *const *flags, const char *const *option_flags);

#endif
