# maildeliver/: the MDA.
PROGS += maildeliver
maildeliver_SRCS := maildeliver/maildeliver.c
maildeliver_DIR  := bin
MANS += man/maildeliver.8
# lib/aliases uses tinycdb (the unit tests and fuzz targets link it).
UNIT_LIBS += $(CDB_LIBS)
# newaliases compiles the aliases file; localspawn is the root part of
# local delivery (run by queued as root, or installed setuid root and
# executable by the queue's group only: then chgrp it, see localspawn(8)).
PROGS += newaliases localspawn
newaliases_SRCS := maildeliver/newaliases.c
newaliases_LIBS  = $(CDB_LIBS)
newaliases_DIR  := sbin
localspawn_SRCS := maildeliver/localspawn.c
localspawn_LIBS  = $(CDB_LIBS)
localspawn_DIR  := sbin
MANS += man/newaliases.8 man/localspawn.8
