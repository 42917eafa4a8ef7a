# maildeliver/: the MDA.
PROGS += maildeliver
maildeliver_SRCS := maildeliver/maildeliver.c
maildeliver_DIR  := bin
MANS += man/maildeliver.8
