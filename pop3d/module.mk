# pop3d/: POP3.  pop3-login does the pre-authentication dialogue and runs
# a checkpassword program (checkpw), which runs pop3d as the mail user.
PROGS += pop3d
pop3d_SRCS := pop3d/pop3d.c
pop3d_DIR  := bin
MANS += man/pop3d.8
PROGS += pop3-login
pop3-login_SRCS := pop3d/pop3-login.c
pop3-login_DIR  := sbin
MANS += man/pop3-login.8
