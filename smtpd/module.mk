# smtpd/: the MTA's receiving half: the spool writer, the ESMTP server
# and the sendmail-compatible injector.
PROGS += enqueue
enqueue_SRCS  := smtpd/enqueue.c
enqueue_DIR   := sbin
MANS += man/enqueue.8 man/facteur-spool.5
