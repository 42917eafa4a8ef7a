/*
 * The IMAP command grammar: see imapparse.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imapparse.h"
#include "num.h"

/* Reader states. */
enum {
	ST_LINE = 0, /* reading a line of the command */
	ST_LIT,	     /* reading a kept literal into buf */
	ST_SKIPLIT,  /* throwing a literal's bytes away */
	ST_WAIT,     /* IMAPR_LITERAL returned: the caller decides */
	ST_ENDED,    /* a refused synchronizing literal ended the command */
	ST_CLOSE,    /* IMAPR_CLOSE on the next feed */
};

/* Where the end of a line stands with respect to a literal header. */
enum {
	LS_NONE = 0,
	LS_OPEN,   /* "{" */
	LS_DIGITS, /* "{1" */
	LS_PLUS,   /* "{1+" */
	LS_CLOSE,  /* "{1}" or "{1+}" */
};

/* Non-synchronizing literals thrown away after an error, at most. */
#define IMAP_SKIP_BYTES ((uint64_t)IMAP_SKIP_MAX)

void
imap_reader_init(struct imap_reader *r)
{
	memset(r, 0, sizeof *r);
}

void
imap_reader_free(struct imap_reader *r)
{
	str_free(&r->buf);
	imap_reader_init(r);
}

static void
new_line(struct imap_reader *r)
{
	r->line_len = 0;
	r->quote = r->esc = r->cr = r->plus = 0;
	r->lstate = LS_NONE;
}

static void
reader_reset(struct imap_reader *r)
{
	str_clear(&r->buf);
	r->why = NULL;
	r->bad = 0;
	r->lit_size = 0;
	r->lit_sync = 0;
	r->lit_count = 0;
	r->state = ST_LINE;
	r->done = 0;
	r->lnum = r->left = 0;
	r->lit_hdr_off = 0;
	new_line(r);
}

static void
set_bad(struct imap_reader *r, const char *why)
{
	if (!r->bad) {
		r->bad = 1;
		r->why = why;
	}
}

/* The line just read ended in a literal header: what now? */
static int
literal_header(struct imap_reader *r)
{
	int sync = !r->plus;

	r->lit_count++;
	r->lit_size = r->lnum;
	if (r->lnum > IMAP_LITERAL_NUMBER)
		set_bad(r, "literal size too large");
	if (!r->bad) {
		r->lit_sync = sync;
		r->state = ST_WAIT;
		return IMAPR_LITERAL;
	}
	/* The command is already bad: never ask for a literal.  The
	 * client waits for "+" and gets the tagged BAD instead. */
	if (sync) {
		r->done = 1;
		return IMAPR_COMMAND;
	}
	if (r->lit_size > IMAP_SKIP_BYTES) {
		r->why = "literal too large to skip";
		r->state = ST_CLOSE;
		return IMAPR_CLOSE;
	}
	r->left = r->lit_size;
	r->state = r->left ? ST_SKIPLIT : ST_LINE;
	new_line(r);
	return IMAPR_MORE;
}

int
imap_reader_feed(struct imap_reader *r, const void *vp, size_t n,
    size_t *used_r)
{
	const unsigned char *p = vp;
	size_t i = 0;
	int rc;

	*used_r = 0;
	if (r->done)
		reader_reset(r);
	switch (r->state) {
	case ST_WAIT:
		errno = EINVAL;
		return -1;
	case ST_ENDED:
		r->done = 1;
		return IMAPR_COMMAND;
	case ST_CLOSE:
		return IMAPR_CLOSE;
	default:
		break;
	}
	while (i < n) {
		unsigned char c;

		if (r->state == ST_LIT || r->state == ST_SKIPLIT) {
			size_t k = n - i;

			if ((uint64_t)k > r->left)
				k = (size_t)r->left;
			if (r->state == ST_LIT &&
			    str_append(&r->buf, p + i, k) < 0) {
				*used_r = i;
				return -1;
			}
			i += k;
			r->left -= k;
			if (r->left == 0) {
				r->state = ST_LINE;
				new_line(r);
			}
			continue;
		}
		c = p[i++];
		r->line_len++;
		if (c == '\n') {
			if (!r->bad && str_appendc(&r->buf, '\n') < 0) {
				*used_r = i - 1;
				return -1;
			}
			if (r->lstate == LS_CLOSE) {
				rc = literal_header(r);
				if (rc != IMAPR_MORE) {
					*used_r = i;
					return rc;
				}
				continue;
			}
			r->done = 1;
			*used_r = i;
			return IMAPR_COMMAND;
		}
		if (r->cr)
			set_bad(r, "CR not followed by LF");
		r->cr = c == '\r';
		if (c == '\0')
			set_bad(r, "NUL byte in command");
		if (r->line_len > IMAP_LINE_MAX)
			set_bad(r, "command line too long");
		if (!r->bad && r->buf.len >= IMAP_CMD_MAX)
			set_bad(r, "command too long");
		/* A bad command keeps only what names its tag. */
		if ((!r->bad || r->buf.len < IMAP_TAG_MAX + 2) &&
		    str_appendc(&r->buf, (char)c) < 0) {
			*used_r = i - 1;
			return -1;
		}
		if (c == '\r')
			continue; /* "{1}\r" is still a literal header */
		/* Quoted strings: "{1}" inside one is no literal header. */
		if (r->quote) {
			if (r->esc)
				r->esc = 0;
			else if (c == '\\')
				r->esc = 1;
			else if (c == '"')
				r->quote = 0;
			continue;
		}
		switch (r->lstate) {
		case LS_OPEN:
		case LS_DIGITS:
			if (c >= '0' && c <= '9') {
				unsigned d = (unsigned)(c - '0');

				/* Saturates past any size we accept. */
				if (r->lnum > (UINT64_MAX - 9) / 10)
					r->lnum = UINT64_MAX;
				else
					r->lnum = r->lnum * 10 + d;
				r->lstate = LS_DIGITS;
				continue;
			}
			if (r->lstate == LS_DIGITS && c == '+') {
				r->lstate = LS_PLUS;
				continue;
			}
			if (r->lstate == LS_DIGITS && c == '}') {
				r->plus = 0;
				r->lstate = LS_CLOSE;
				continue;
			}
			break;
		case LS_PLUS:
			if (c == '}') {
				r->plus = 1;
				r->lstate = LS_CLOSE;
				continue;
			}
			break;
		default:
			break;
		}
		r->lstate = LS_NONE;
		if (c == '{') {
			r->lstate = LS_OPEN;
			r->lnum = 0;
			r->lit_hdr_off = r->buf.len - 1;
		} else if (c == '"') {
			r->quote = 1;
		}
	}
	*used_r = i;
	return IMAPR_MORE;
}

int
imap_reader_literal_keep(struct imap_reader *r)
{
	if (r->state != ST_WAIT || r->lit_size > IMAP_LITERAL_MAX ||
	    r->lit_size > IMAP_CMD_MAX - (r->buf.len < IMAP_CMD_MAX ?
	    r->buf.len : IMAP_CMD_MAX)) {
		errno = E2BIG;
		return -1;
	}
	if (str_reserve(&r->buf, (size_t)r->lit_size) < 0)
		return -1;
	r->left = r->lit_size;
	r->state = r->left ? ST_LIT : ST_LINE;
	new_line(r);
	return 0;
}

void
imap_reader_literal_take(struct imap_reader *r)
{
	char num[32];

	if (r->state != ST_WAIT)
		return;
	/* The header becomes "{" NUL size "}" CRLF. */
	snprintf(num, sizeof num, "%llu}\r\n", (unsigned long long)r->lit_size);
	str_truncate(&r->buf, r->lit_hdr_off);
	if (str_append(&r->buf, "{\0", 2) < 0 || str_appendz(&r->buf, num) < 0)
		set_bad(r, "out of memory");
	r->state = ST_LINE;
	new_line(r);
}

void
imap_reader_literal_refuse(struct imap_reader *r, const char *why)
{
	if (r->state != ST_WAIT)
		return;
	set_bad(r, why);
	if (r->lit_sync) {
		r->state = ST_ENDED;
		return;
	}
	if (r->lit_size > IMAP_SKIP_BYTES) {
		r->state = ST_CLOSE;
		return;
	}
	r->left = r->lit_size;
	r->state = r->left ? ST_SKIPLIT : ST_LINE;
	new_line(r);
}

/* ASTRING-CHAR but '+', as a tag allows. */
static int
is_tag_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("(){%*\"\\+", c) == NULL;
}

/* ATOM-CHAR: CHAR but atom-specials; '%', '*' and ']' let in (see .h). */
static int
is_atom_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("(){\"\\", c) == NULL;
}

static size_t
tag_len(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i <= IMAP_TAG_MAX &&
	    is_tag_char((unsigned char)s[i]); i++)
		;
	if (i == 0 || i > IMAP_TAG_MAX || i == n ||
	    (s[i] != ' ' && s[i] != '\r' && s[i] != '\n'))
		return 0;
	return i;
}

int
imap_reader_tag(const struct imap_reader *r, char *tag)
{
	size_t n = tag_len(r->buf.s ? r->buf.s : "", r->buf.len);

	if (n == 0) {
		memcpy(tag, "*", 2);
		return 0;
	}
	memcpy(tag, r->buf.s, n);
	tag[n] = '\0';
	return 1;
}

/* ---------------------------------------------------------------- parser */

struct parser {
	struct imap_cmd *cmd;
	const char *s;
	size_t n, pos;
	const char *why;
	/* the arguments of the lists being read, innermost last */
	struct imap_arg *stack;
	size_t nstack, capstack;
};

static int
perr(struct parser *p, const char *why)
{
	if (p->why == NULL)
		p->why = why;
	errno = EINVAL;
	return -1;
}

static int
push(struct parser *p, const struct imap_arg *a)
{
	if (p->cmd->nall + p->nstack >= IMAP_ARGS_MAX)
		return perr(p, "too many arguments");
	if (p->nstack == p->capstack) {
		size_t ncap = p->capstack ? p->capstack * 2 : 16;
		struct imap_arg *ns = realloc(p->stack, ncap * sizeof *ns);

		if (ns == NULL) {
			p->why = "out of memory";
			errno = ENOMEM;
			return -1;
		}
		p->stack = ns;
		p->capstack = ncap;
	}
	p->stack[p->nstack++] = *a;
	return 0;
}

/* Moves the top count arguments of the stack into all; their index. */
static int
pop_block(struct parser *p, size_t count, size_t *idx_r)
{
	struct imap_cmd *c = p->cmd;

	if (c->nall + count > c->capall) {
		size_t ncap = c->capall ? c->capall : 16;
		struct imap_arg *na;

		while (ncap < c->nall + count)
			ncap *= 2;
		na = realloc(c->all, ncap * sizeof *na);
		if (na == NULL) {
			p->why = "out of memory";
			errno = ENOMEM;
			return -1;
		}
		c->all = na;
		c->capall = ncap;
	}
	*idx_r = c->nall;
	if (count > 0)
		memcpy(c->all + c->nall, p->stack + p->nstack - count,
		    count * sizeof *c->all);
	c->nall += count;
	p->nstack -= count;
	return 0;
}

/* Copies bytes into strs with a NUL after them; their offset in *off. */
static int
keep_bytes(struct parser *p, const char *s, size_t n, size_t *off)
{
	*off = p->cmd->strs.len;
	if (str_append(&p->cmd->strs, s, n) < 0 ||
	    str_appendc(&p->cmd->strs, '\0') < 0) {
		p->why = "out of memory";
		return -1;
	}
	return 0;
}

/* At a line end: its length (1 or 2), else 0. */
static size_t
eol_at(const struct parser *p, size_t pos)
{
	if (pos < p->n && p->s[pos] == '\n')
		return 1;
	if (pos + 1 < p->n && p->s[pos] == '\r' && p->s[pos + 1] == '\n')
		return 2;
	return 0;
}

static int
parse_quoted(struct parser *p, struct imap_arg *a)
{
	struct str *st = &p->cmd->strs;
	size_t off = st->len;

	p->pos++;
	for (;;) {
		unsigned char c;

		if (p->pos >= p->n)
			return perr(p, "unterminated quoted string");
		c = (unsigned char)p->s[p->pos];
		if (c == '\r' || c == '\n' || c == '\0')
			return perr(p, "unterminated quoted string");
		if (c == '"')
			break;
		if (c == '\\') {
			if (p->pos + 1 >= p->n || (p->s[p->pos + 1] != '\\' &&
			    p->s[p->pos + 1] != '"'))
				return perr(p, "bad escape in quoted string");
			p->pos++;
			c = (unsigned char)p->s[p->pos];
		}
		if (str_appendc(st, (char)c) < 0) {
			p->why = "out of memory";
			return -1;
		}
		p->pos++;
	}
	p->pos++;
	if (str_appendc(st, '\0') < 0) {
		p->why = "out of memory";
		return -1;
	}
	a->type = IMAP_ARG_QUOTED;
	a->len = st->len - off - 1;
	a->s = (const char *)(uintptr_t)off; /* fixed up at the end */
	return 0;
}

static int
parse_literal(struct parser *p, struct imap_arg *a)
{
	uint64_t size;
	size_t used, e, off;
	int taken = 0;

	p->pos++;
	if (p->pos < p->n && p->s[p->pos] == '\0') {
		taken = 1;
		p->pos++;
	}
	if (num_u64_prefix(p->s + p->pos, p->n - p->pos, IMAP_LITERAL_NUMBER,
		&size, &used) < 0)
		return perr(p, errno == ERANGE ? "literal size too large"
					       : "bad literal");
	p->pos += used;
	a->sync = 1;
	if (!taken && p->pos < p->n && p->s[p->pos] == '+') {
		a->sync = 0;
		p->pos++;
	}
	if (p->pos >= p->n || p->s[p->pos] != '}')
		return perr(p, "bad literal");
	p->pos++;
	e = eol_at(p, p->pos);
	if (e == 0)
		return perr(p, "literal header not at the end of a line");
	p->pos += e;
	if (taken) {
		a->type = IMAP_ARG_LITERAL_TAKEN;
		a->size = size;
		a->len = 0;
		if (keep_bytes(p, "", 0, &off) < 0)
			return -1;
		a->s = (const char *)(uintptr_t)off;
		return 0;
	}
	if (size > p->n - p->pos)
		return perr(p, "literal runs past the command");
	if (keep_bytes(p, p->s + p->pos, (size_t)size, &off) < 0)
		return -1;
	a->type = IMAP_ARG_LITERAL;
	a->s = (const char *)(uintptr_t)off;
	a->len = (size_t)size;
	a->size = size;
	p->pos += (size_t)size;
	return 0;
}

static int
parse_atom(struct parser *p, struct imap_arg *a)
{
	size_t start = p->pos, off;

	if (p->pos < p->n && p->s[p->pos] == '\\')
		p->pos++;
	while (p->pos < p->n) {
		unsigned char c = (unsigned char)p->s[p->pos];

		if (c == '[') {
			/* A section: up to the matching ']'. */
			p->pos++;
			while (p->pos < p->n && p->s[p->pos] != ']') {
				c = (unsigned char)p->s[p->pos];
				if (c == '\r' || c == '\n' || c == '\0' ||
				    c >= 0x7f)
					return perr(p, "unterminated [");
				p->pos++;
			}
			if (p->pos >= p->n)
				return perr(p, "unterminated [");
			p->pos++;
			continue;
		}
		if (!is_atom_char(c))
			break;
		p->pos++;
	}
	if (p->pos == start || (p->pos == start + 1 && p->s[start] == '\\')) {
		if (p->pos < p->n && (unsigned char)p->s[p->pos] >= 0x80)
			return perr(p, "8-bit byte outside a string");
		return perr(p, "unexpected character");
	}
	if (keep_bytes(p, p->s + start, p->pos - start, &off) < 0)
		return -1;
	a->type = IMAP_ARG_ATOM;
	a->s = (const char *)(uintptr_t)off;
	a->len = p->pos - start;
	return 0;
}

/*
 * Reads arguments up to ')' (depth > 0) or the end of the command
 * (depth 0), leaving them in all as one block: *idx_r, *count_r.
 */
static int
parse_list(struct parser *p, unsigned depth, size_t *idx_r, size_t *count_r)
{
	size_t count = 0;
	int need_sep = 0;

	for (;;) {
		struct imap_arg a;
		unsigned char c;
		size_t e;

		if (p->pos >= p->n)
			return perr(p, depth ? "missing )" : "missing line end");
		c = (unsigned char)p->s[p->pos];
		if (c == ' ') {
			while (p->pos < p->n && p->s[p->pos] == ' ')
				p->pos++;
			need_sep = 0;
			continue;
		}
		e = eol_at(p, p->pos);
		if (e > 0) {
			if (depth > 0)
				return perr(p, "missing )");
			p->pos += e;
			if (p->pos != p->n)
				return perr(p, "bytes after the line end");
			break;
		}
		if (c == ')') {
			if (depth == 0)
				return perr(p, "unexpected )");
			p->pos++;
			break;
		}
		if (need_sep)
			return perr(p, "missing space between arguments");
		memset(&a, 0, sizeof a);
		if (c == '(') {
			size_t idx, cnt;

			if (depth + 1 > IMAP_DEPTH_MAX)
				return perr(p, "lists nested too deeply");
			p->pos++;
			if (parse_list(p, depth + 1, &idx, &cnt) < 0)
				return -1;
			a.type = IMAP_ARG_LIST;
			a.list = (struct imap_arg *)(uintptr_t)idx;
			a.nlist = cnt;
		} else if (c == '"') {
			if (parse_quoted(p, &a) < 0)
				return -1;
		} else if (c == '{') {
			if (parse_literal(p, &a) < 0)
				return -1;
		} else if (parse_atom(p, &a) < 0) {
			return -1;
		}
		if (push(p, &a) < 0)
			return -1;
		count++;
		/* A list may be followed by ')' or '(' directly; anything
		 * else needs a space first. */
		need_sep = a.type != IMAP_ARG_LIST;
		if (a.type == IMAP_ARG_LITERAL ||
		    a.type == IMAP_ARG_LITERAL_TAKEN)
			need_sep = 1;
	}
	*count_r = count;
	return pop_block(p, count, idx_r);
}

void
imap_cmd_init(struct imap_cmd *cmd)
{
	memset(cmd, 0, sizeof *cmd);
	memcpy(cmd->tag, "*", 2);
}

void
imap_cmd_free(struct imap_cmd *cmd)
{
	free(cmd->all);
	str_free(&cmd->strs);
	imap_cmd_init(cmd);
}

int
imap_cmd_parse(struct imap_cmd *cmd, const char *buf, size_t len,
    const char **why_r)
{
	struct parser p;
	size_t t, i, idx = 0, count = 0;
	int rc = -1;

	free(cmd->all);
	str_free(&cmd->strs);
	imap_cmd_init(cmd);
	memset(&p, 0, sizeof p);
	p.cmd = cmd;
	p.s = buf;
	p.n = len;
	t = tag_len(buf, len);
	if (t == 0) {
		perr(&p, "bad tag");
		goto out;
	}
	memcpy(cmd->tag, buf, t);
	cmd->tag[t] = '\0';
	p.pos = t;
	if (p.s[p.pos] != ' ') {
		perr(&p, "missing command");
		goto out;
	}
	p.pos++;
	for (i = 0; p.pos + i < len && i <= IMAP_NAME_MAX; i++) {
		unsigned char c = (unsigned char)buf[p.pos + i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			break;
	}
	if (i == 0 || i > IMAP_NAME_MAX) {
		perr(&p, i ? "command name too long" : "missing command");
		goto out;
	}
	if (p.pos + i < len && buf[p.pos + i] != ' ' &&
	    buf[p.pos + i] != '\r' && buf[p.pos + i] != '\n') {
		perr(&p, "bad command name");
		goto out;
	}
	{
		size_t k;

		for (k = 0; k < i; k++) {
			char c = buf[p.pos + k];

			cmd->name[k] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
		}
		cmd->name[i] = '\0';
	}
	p.pos += i;
	if (p.pos < len && buf[p.pos] == ' ') {
		p.pos++;
	} else if (eol_at(&p, p.pos) == 0) {
		perr(&p, "missing line end");
		goto out;
	}
	if (parse_list(&p, 0, &idx, &count) < 0)
		goto out;
	/* Every list and string now has its final place: fix pointers. */
	for (i = 0; i < cmd->nall; i++) {
		struct imap_arg *a = &cmd->all[i];

		if (a->type == IMAP_ARG_LIST)
			a->list = a->nlist ? cmd->all + (uintptr_t)a->list : NULL;
		else
			a->s = cmd->strs.s + (uintptr_t)a->s;
	}
	cmd->args = cmd->all != NULL ? cmd->all + idx : NULL;
	cmd->nargs = count;
	rc = 0;
out:
	free(p.stack);
	if (rc < 0) {
		if (p.why == NULL)
			p.why = "syntax error";
		*why_r = p.why;
		free(cmd->all);
		cmd->all = NULL;
		cmd->nall = cmd->capall = 0;
		cmd->args = NULL;
		cmd->nargs = 0;
		if (errno != ENOMEM)
			errno = EINVAL;
	}
	return rc;
}

int
imap_arg_atom_is(const struct imap_arg *a, const char *z)
{
	return a->type == IMAP_ARG_ATOM && strlen(z) == a->len &&
	    strncasecmp(a->s, z, a->len) == 0;
}

int
imap_arg_is_astring(const struct imap_arg *a)
{
	return a->type == IMAP_ARG_ATOM || a->type == IMAP_ARG_QUOTED ||
	    a->type == IMAP_ARG_LITERAL;
}

const char *
imap_arg_astring(const struct imap_arg *a)
{
	if (!imap_arg_is_astring(a) || memchr(a->s, '\0', a->len) != NULL)
		return NULL;
	return a->s;
}

int
imap_arg_is_nil(const struct imap_arg *a)
{
	return imap_arg_atom_is(a, "NIL");
}

int
imap_put_string(struct str *out, const char *s, size_t n)
{
	size_t i, old = out->len;
	int quoted = n <= 1024;

	if (s == NULL)
		return str_append(out, "NIL", 3);
	for (i = 0; quoted && i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			quoted = 0;
	if (!quoted) {
		if (str_printf(out, "{%zu}\r\n", n) < 0 ||
		    str_append(out, s, n) < 0)
			goto oom;
		return 0;
	}
	if (str_appendc(out, '"') < 0)
		goto oom;
	for (i = 0; i < n; i++) {
		if ((s[i] == '"' || s[i] == '\\') && str_appendc(out, '\\') < 0)
			goto oom;
		if (str_appendc(out, s[i]) < 0)
			goto oom;
	}
	if (str_appendc(out, '"') < 0)
		goto oom;
	return 0;
oom:
	str_truncate(out, old);
	return -1;
}

int
imap_put_astring(struct str *out, const char *s, size_t n)
{
	size_t i;

	if (s == NULL || n == 0 || (n == 3 && strncasecmp(s, "NIL", 3) == 0))
		return imap_put_string(out, s ? s : "", n);
	for (i = 0; i < n; i++)
		if (!is_atom_char((unsigned char)s[i]) || s[i] == '%' ||
		    s[i] == '*')
			return imap_put_string(out, s, n);
	return str_append(out, s, n);
}

/* ---------------------------------------------------------------- sets */

void
imap_seqset_init(struct imap_seqset *set)
{
	memset(set, 0, sizeof *set);
}

void
imap_seqset_free(struct imap_seqset *set)
{
	free(set->r);
	imap_seqset_init(set);
}

/* One number or '*' at s[*i]; 0 for '*'. */
static int
seq_number(const char *s, size_t n, size_t *i, uint32_t *v_r, int *star,
    const char **why_r)
{
	uint64_t v;
	size_t used;

	if (*i < n && s[*i] == '*') {
		(*i)++;
		*v_r = 0;
		*star = 1;
		return 0;
	}
	if (num_u64_prefix(s + *i, n - *i, UINT32_MAX, &v, &used) < 0) {
		*why_r = errno == ERANGE ? "number in sequence set too large"
					 : "bad sequence set";
		errno = EINVAL;
		return -1;
	}
	if (v == 0) {
		*why_r = "0 in sequence set";
		errno = EINVAL;
		return -1;
	}
	*i += used;
	*v_r = (uint32_t)v;
	return 0;
}

int
imap_seqset_parse(struct imap_seqset *set, const char *s, size_t n,
    const char **why_r)
{
	size_t i = 0;

	set->n = 0;
	set->star = 0;
	if (n == 0) {
		*why_r = "empty sequence set";
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		struct imap_range r;

		if (seq_number(s, n, &i, &r.lo, &set->star, why_r) < 0)
			return -1;
		r.hi = r.lo;
		if (i < n && s[i] == ':') {
			i++;
			if (seq_number(s, n, &i, &r.hi, &set->star, why_r) < 0)
				return -1;
		}
		if (set->n == IMAP_SEQ_RANGES_MAX) {
			*why_r = "too many ranges in sequence set";
			errno = E2BIG;
			return -1;
		}
		if (set->n == set->cap) {
			size_t ncap = set->cap ? set->cap * 2 : 8;
			struct imap_range *nr = realloc(set->r,
			    ncap * sizeof *nr);

			if (nr == NULL) {
				*why_r = "out of memory";
				return -1;
			}
			set->r = nr;
			set->cap = ncap;
		}
		set->r[set->n++] = r;
		if (i == n)
			return 0;
		if (s[i] != ',') {
			*why_r = "bad sequence set";
			errno = EINVAL;
			return -1;
		}
		i++;
	}
}

static int
range_cmp(const void *a, const void *b)
{
	const struct imap_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

void
imap_seqset_resolve(struct imap_seqset *set, uint32_t max)
{
	size_t i, o;

	for (i = 0; i < set->n; i++) {
		struct imap_range *r = &set->r[i];

		if (r->lo == 0)
			r->lo = max;
		if (r->hi == 0)
			r->hi = max;
		if (r->lo > r->hi) {
			uint32_t t = r->lo;

			r->lo = r->hi;
			r->hi = t;
		}
	}
	if (set->n < 2)
		return;
	qsort(set->r, set->n, sizeof *set->r, range_cmp);
	for (i = 1, o = 0; i < set->n; i++) {
		struct imap_range *cur = &set->r[o];

		if (cur->hi == UINT32_MAX || set->r[i].lo <= cur->hi + 1) {
			if (set->r[i].hi > cur->hi)
				cur->hi = set->r[i].hi;
		} else {
			set->r[++o] = set->r[i];
		}
	}
	set->n = o + 1;
}

int
imap_seqset_contains(const struct imap_seqset *set, uint32_t v)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v < set->r[mid].lo)
			hi = mid;
		else if (v > set->r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

uint32_t
imap_seqset_max(const struct imap_seqset *set)
{
	return set->n ? set->r[set->n - 1].hi : 0;
}

int
imap_seqset_format(const struct imap_seqset *set, struct str *out)
{
	size_t i, old = out->len;

	for (i = 0; i < set->n; i++) {
		int r;

		if (set->r[i].lo == set->r[i].hi)
			r = str_printf(out, "%s%u", i ? "," : "",
			    (unsigned)set->r[i].lo);
		else
			r = str_printf(out, "%s%u:%u", i ? "," : "",
			    (unsigned)set->r[i].lo, (unsigned)set->r[i].hi);
		if (r < 0) {
			str_truncate(out, old);
			return -1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- dates */

static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned
month_days(unsigned y, unsigned m)
{
	static const unsigned char md[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return md[m - 1];
}

static int
digits(const char *s, size_t n, unsigned *v_r)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*v_r = v;
	return 0;
}

/* "d-Mon-yyyy" or "dd-Mon-yyyy" (or " d-..." with space_day). */
static int
parse_day(const char *s, size_t n, size_t *used_r, int64_t *days_r,
    int space_day)
{
	unsigned d, y, m;
	size_t i = 0, dl;

	if (space_day && n > 0 && s[0] == ' ') {
		i = 1;
		dl = 1;
	} else {
		dl = n > 1 && s[1] >= '0' && s[1] <= '9' ? 2 : 1;
	}
	if (i + dl + 9 > n || digits(s + i, dl, &d) < 0)
		return -1;
	i += dl;
	if (s[i] != '-' || s[i + 4] != '-')
		return -1;
	for (m = 0; m < 12; m++)
		if (strncasecmp(s + i + 1, months[m], 3) == 0)
			break;
	if (m == 12 || digits(s + i + 5, 4, &y) < 0)
		return -1;
	m++;
	if (d < 1 || d > month_days(y, m) || y < 1)
		return -1;
	*used_r = i + 9;
	*days_r = days_from_civil(y, m, d);
	return 0;
}

int
imap_date_parse(const char *s, size_t n, time_t *t_r)
{
	size_t used;
	int64_t days;

	if (parse_day(s, n, &used, &days, 0) < 0 || used != n) {
		errno = EINVAL;
		return -1;
	}
	*t_r = (time_t)(days * 86400);
	return 0;
}

int
imap_datetime_parse(const char *s, size_t n, time_t *t_r)
{
	size_t used;
	int64_t days, secs;
	unsigned hh, mm, ss, zh, zm;
	const char *t;

	if (parse_day(s, n, &used, &days, 1) < 0 || n - used != 15) {
		errno = EINVAL;
		return -1;
	}
	t = s + used;
	if (t[0] != ' ' || t[3] != ':' || t[6] != ':' || t[9] != ' ' ||
	    (t[10] != '+' && t[10] != '-') || digits(t + 1, 2, &hh) < 0 ||
	    digits(t + 4, 2, &mm) < 0 || digits(t + 7, 2, &ss) < 0 ||
	    digits(t + 11, 2, &zh) < 0 || digits(t + 13, 2, &zm) < 0 ||
	    hh > 23 || mm > 59 || ss > 60 || zm > 59) {
		errno = EINVAL;
		return -1;
	}
	secs = days * 86400 + hh * 3600 + mm * 60 + ss;
	if (t[10] == '+')
		secs -= (int64_t)zh * 3600 + zm * 60;
	else
		secs += (int64_t)zh * 3600 + zm * 60;
	*t_r = (time_t)secs;
	return 0;
}

void
imap_datetime_format(time_t t, char *buf, size_t n)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	snprintf(buf, n, "%02d-%s-%04d %02d:%02d:%02d +0000", tm.tm_mday,
	    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

/* ---------------------------------------------------------------- names */

static const char b64m[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
b64m_val(unsigned char c)
{
	const char *p = c ? strchr(b64m, c) : NULL;

	return p ? (int)(p - b64m) : -1;
}

static int
put_utf8(struct str *out, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return str_append(out, b, n);
}

int
imap_utf7_decode(const char *s, size_t n, struct str *out)
{
	size_t i = 0, old = out->len, run_end = (size_t)-1;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t bits = 0, hi = 0;
		unsigned nbits = 0, units = 0;

		if (c < 0x20 || c > 0x7e)
			goto bad;
		if (c != '&') {
			if (str_appendc(out, (char)c) < 0)
				goto oom;
			i++;
			continue;
		}
		if (i + 1 < n && s[i + 1] == '-') {
			if (str_appendc(out, '&') < 0)
				goto oom;
			i += 2;
			continue;
		}
		if (i == run_end) /* two runs in a row: one would do */
			goto bad;
		for (i++; i < n && s[i] != '-'; i++) {
			int v = b64m_val((unsigned char)s[i]);

			if (v < 0)
				goto bad;
			bits = (bits << 6) | (uint32_t)v;
			nbits += 6;
			if (nbits >= 16) {
				uint32_t u = (bits >> (nbits - 16)) & 0xffff;

				nbits -= 16;
				bits &= (1u << nbits) - 1;
				units++;
				if (hi != 0) {
					if (u < 0xdc00 || u > 0xdfff)
						goto bad;
					u = 0x10000 + ((hi - 0xd800) << 10) +
					    (u - 0xdc00);
					hi = 0;
				} else if (u >= 0xd800 && u <= 0xdbff) {
					hi = u;
					continue;
				} else if (u >= 0xdc00 && u <= 0xdfff) {
					goto bad;
				}
				/* Printable ASCII must stand for itself;
				 * controls have no place in a name. */
				if (u < 0x80 || (u >= 0x80 && u < 0xa0))
					goto bad;
				if (put_utf8(out, u) < 0)
					goto oom;
			}
		}
		if (i >= n || units == 0 || hi != 0 || nbits >= 6 || bits != 0)
			goto bad;
		i++; /* '-' */
		run_end = i;
	}
	return 0;
bad:
	str_truncate(out, old);
	errno = EINVAL;
	return -1;
oom:
	str_truncate(out, old);
	return -1;
}

/* Decodes one UTF-8 character strictly; its length, or 0 if invalid. */
static size_t
utf8_char(const unsigned char *s, size_t n, uint32_t *cp_r)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp_r = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return len;
}

/* A streaming modified-base64 encoder of UTF-16 units. */
struct u7 {
	uint32_t bits;
	unsigned nbits;
	int in_run;
};

static int
u7_unit(struct str *out, struct u7 *st, uint32_t u)
{
	if (!st->in_run) {
		if (str_appendc(out, '&') < 0)
			return -1;
		st->in_run = 1;
		st->bits = 0;
		st->nbits = 0;
	}
	st->bits = (st->bits << 16) | u;
	st->nbits += 16;
	while (st->nbits >= 6) {
		st->nbits -= 6;
		if (str_appendc(out, b64m[(st->bits >> st->nbits) & 0x3f]) < 0)
			return -1;
	}
	st->bits &= (1u << st->nbits) - 1;
	return 0;
}

static int
u7_end(struct str *out, struct u7 *st)
{
	if (!st->in_run)
		return 0;
	st->in_run = 0;
	if (st->nbits > 0 &&
	    str_appendc(out, b64m[(st->bits << (6 - st->nbits)) & 0x3f]) < 0)
		return -1;
	return str_appendc(out, '-');
}

int
imap_utf7_encode(const char *s, size_t n, struct str *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, old = out->len;
	struct u7 st = { 0, 0, 0 };

	while (i < n) {
		uint32_t cp;
		size_t l = utf8_char(p + i, n - i, &cp);

		if (l == 0 || cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0)) {
			str_truncate(out, old);
			errno = EINVAL;
			return -1;
		}
		i += l;
		if (cp < 0x80) {
			if (u7_end(out, &st) < 0 ||
			    str_appendc(out, (char)cp) < 0 ||
			    (cp == '&' && str_appendc(out, '-') < 0))
				goto oom;
			continue;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			if (u7_unit(out, &st, 0xd800 + (cp >> 10)) < 0 ||
			    u7_unit(out, &st, 0xdc00 + (cp & 0x3ff)) < 0)
				goto oom;
		} else if (u7_unit(out, &st, cp) < 0) {
			goto oom;
		}
	}
	if (u7_end(out, &st) < 0)
		goto oom;
	return 0;
oom:
	str_truncate(out, old);
	return -1;
}

int
imap_mailbox_check(const char *s, size_t n, char sep, const char **why_r)
{
	struct str dec = STR_INIT;
	size_t i, start = 0;

	*why_r = NULL;
	if (n == 0)
		*why_r = "empty mailbox name";
	else if (n > IMAP_MAILBOX_MAX)
		*why_r = "mailbox name too long";
	for (i = 0; *why_r == NULL && i < n; i++) {
		if (s[i] == '/')
			*why_r = "'/' in mailbox name";
		else if (s[i] == '%' || s[i] == '*')
			*why_r = "wildcard in mailbox name";
	}
	for (i = 0; *why_r == NULL && i <= n; i++) {
		if (i < n && s[i] != sep)
			continue;
		if (i == start)
			*why_r = "empty level in mailbox name";
		else if ((i - start == 1 && s[start] == '.') ||
		    (i - start == 2 && s[start] == '.' && s[start + 1] == '.'))
			*why_r = "'.' or '..' in mailbox name";
		start = i + 1;
	}
	if (*why_r == NULL && imap_utf7_decode(s, n, &dec) < 0)
		*why_r = errno == ENOMEM ? "out of memory"
					 : "mailbox name is not modified UTF-7";
	str_free(&dec);
	if (*why_r != NULL) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
