#!/usr/bin/env python3
"""Parses a delivery status notification with Python's email package.

    queued_dsn.py FILE

Fails (exit 1, reason on stderr) unless FILE is a multipart/report with
report-type=delivery-status whose second part is message/delivery-status
and whose third part is message/rfc822 or text/rfc822-headers.  Prints
facts for the shell to check, one per line:

    subject=...            the Subject
    from=... to=...        header addresses
    envid=...              Original-Envelope-Id, if any
    returned=rfc822|headers
    orig-subject=...       the Subject of the returned message
    rcpt=ADDR action=A status=S orcpt=O remote=R diag=D
"""
import email
import email.policy
import sys

with open(sys.argv[1], "rb") as f:
    raw = f.read()
msg = email.message_from_bytes(raw, policy=email.policy.compat32)


def die(why):
    sys.stderr.write("not a good DSN: %s\n" % why)
    sys.exit(1)


if msg.get_content_type() != "multipart/report":
    die("content type %s" % msg.get_content_type())
if msg.get_param("report-type") != "delivery-status":
    die("report-type %s" % msg.get_param("report-type"))
if msg.defects:
    die("defects %r" % msg.defects)
parts = msg.get_payload()
if len(parts) != 3:
    die("%d parts" % len(parts))
if parts[0].get_content_type() != "text/plain":
    die("first part %s" % parts[0].get_content_type())
if parts[1].get_content_type() != "message/delivery-status":
    die("second part %s" % parts[1].get_content_type())
third = parts[2].get_content_type()
if third not in ("message/rfc822", "text/rfc822-headers"):
    die("third part %s" % third)

print("subject=%s" % msg["Subject"])
print("from=%s" % msg["From"])
print("to=%s" % msg["To"])
print("auto-submitted=%s" % msg["Auto-Submitted"])
blocks = parts[1].get_payload()  # a list of Message objects: the field groups
if len(blocks) < 2:
    die("delivery-status has %d field groups" % len(blocks))
per_msg = blocks[0]
if per_msg["Reporting-MTA"] is None:
    die("no Reporting-MTA")
if per_msg["Original-Envelope-Id"] is not None:
    print("envid=%s" % per_msg["Original-Envelope-Id"])
if third == "message/rfc822":
    inner = parts[2].get_payload()[0]
    print("returned=rfc822")
    print("orig-subject=%s" % inner["Subject"])
else:
    inner = email.message_from_string(parts[2].get_payload())
    print("returned=headers")
    print("orig-subject=%s" % inner["Subject"])
    if parts[2].get_payload().rstrip("\n").count("\n\n") > 0:
        die("headers part holds a body")
for b in blocks[1:]:
    if b["Final-Recipient"] is None or b["Action"] is None or b["Status"] is None:
        die("recipient block lacks a required field: %r" % b.items())
    rcpt = b["Final-Recipient"].split(";", 1)[1].strip()
    print("rcpt=%s action=%s status=%s orcpt=%s remote=%s diag=%s" % (
        rcpt, b["Action"], b["Status"],
        (b["Original-Recipient"] or "-").replace(" ", ""),
        (b["Remote-MTA"] or "-").replace(" ", ""),
        b["Diagnostic-Code"] or "-"))
