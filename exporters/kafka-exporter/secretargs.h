/* secretargs.h -- keeps secret flag values out of the process list once the flags are parsed. */
#ifndef KX_SECRETARGS_H
#define KX_SECRETARGS_H

/* Overwrites in place, with '*', the value of every --sasl.password flag in argv (both the
 * --sasl.password=V and the --sasl.password V forms), so that ps and /proc/PID/cmdline stop showing it.
 * Call only after the flags are parsed: flags.c keeps copies, not pointers into argv. The value is
 * visible from exec until this call, so --sasl.password-file is still the way to go. Returns how
 * many values were hidden. Cannot fail. */
int kx_hide_secret_args(int argc, char **argv);

#endif
