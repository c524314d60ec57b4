"""The lab as a package; lab/lab is its command line (cli.main). One module per job:

  settings   the environment (LAB_PREFIX, LAB_STATE, LAB_BUILD, LAB_SKIP, LAB_HEAP_*), profiles, exceptions
  topology   addresses of a prefix, the topology dict of a profile
  util       die, write, props, ports, http, tail
  processes  pid files, spawn, stop by process group, wait_for
  java       the jars (Maven), JVM command lines, Kafka tools, Java logging config
  configs    config generators (pure functions of the topology) and write_configs
  exporters  the project's exporters: binaries, flags
  plan       Service and plan(): every service of a profile in start order
  health     health checks, connector states, the WAN proxy's control socket
  state      $LAB_STATE/lab.json
  up         `lab up`
  load       `lab load`
  secure     the upstream brokers' SASL_SSL and SSL listeners (test CA, credentials)
  kerberos   the KDC of realm LAB.TEST (component) and the GSSAPI half of the SASL_PLAINTEXT listener
  oauth      lab/oidc.py, the token endpoint (component), and the OAUTHBEARER half of that listener
  cli        the other commands and main()
lab/wanproxy.py is a program of its own (the WAN proxy process).
"""
