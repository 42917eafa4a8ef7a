# auth/: checkpw (the checkpassword-interface authenticator) and
# facteur-passwd (the tool that edits its database).
PROGS += checkpw facteur-passwd
checkpw_SRCS := auth/checkpw.c auth/authconf.c
checkpw_LIBS  = $(SODIUM_LIBS) $(SSL_LIBS) $(CDB_LIBS)
checkpw_DIR  := sbin
# Setuid root, executable by the login group only: install, then
# chgrp the login group (see checkpw(8)).
checkpw_MODE := 4750
facteur-passwd_SRCS := auth/facteur-passwd.c auth/authconf.c
facteur-passwd_LIBS  = $(SODIUM_LIBS) $(CDB_LIBS)
facteur-passwd_DIR  := sbin
MANS += man/checkpw.8 man/facteur-passwd.8

# checkpw alone includes OpenSSL's headers (HMAC-MD5 for CRAM-MD5).
$(BUILD)/auth/checkpw.o: ALL_CPPFLAGS += $(SSL_CFLAGS) $(SODIUM_CFLAGS)
$(BUILD)/auth/facteur-passwd.o: ALL_CPPFLAGS += $(SODIUM_CFLAGS)
