# maildeliver/: the MDA.
PROGS += maildeliver
maildeliver_SRCS := maildeliver/maildeliver.c
maildeliver_DIR  := bin
MANS += man/maildeliver.8
# lib/aliases uses tinycdb (the unit tests and fuzz targets link it).
UNIT_LIBS += $(CDB_LIBS)
