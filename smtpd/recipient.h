#ifndef TERN_SMTPD_RECIPIENT_H
#define TERN_SMTPD_RECIPIENT_H
/*
 * NAME
 *	recipient - what a RCPT address of an accepted domain stands for: the
 *	recipients map (valid mailboxes) and the aliases map (expansion)
 * SYNOPSIS
 *	int recipient_maps_used(const struct config *c);
 *	enum recipient_result recipient_resolve(struct recipient_maps *m,
 *	        const struct config *c, const char *address, struct recipient_list *out);
 *	const char *recipient_reply(enum recipient_result r);
 *	void recipient_list_free(struct recipient_list *l);
 *	void recipient_maps_close(struct recipient_maps *m);
 * DESCRIPTION
 *	recipient_maps_used() says whether tern.conf names a recipients or an
 *	aliases map; without either, smtpd accepts every local part as before.
 *
 *	recipient_resolve() expands address (local@domain) into out, the
 *	addresses the envelope gets, each once (ASCII case ignored). An address
 *	outside the accepted domains is final as it is (an alias target that is
 *	remote is relayed). For one of an accepted domain, in this order:
 *	  1. the aliases map has the address: each target is resolved in turn;
 *	  2. the recipients map has the address: a mailbox, final;
 *	  3. the aliases map has @domain: its targets, as 1;
 *	  4. the recipients map has @domain ("any" local part): final;
 *	  5. a recipients map is configured: unknown (550 5.1.1); none: final.
 *	An alias without targets is a mailbox, final (so one map may list
 *	both). A target equal to the address it is listed under is that mailbox, not
 *	expanded again (Postfix's rule: "a a, b" keeps a copy for a). A target
 *	that is an address already being expanded is a loop; more than
 *	RECIPIENT_DEPTH_MAX nested expansions, or more than
 *	RECIPIENT_EXPAND_MAX addresses from one RCPT, are refused too.
 *	Expansion happens here, at RCPT, rather than in the relay: an unknown
 *	address anywhere in it is refused while the client is still there (no
 *	backscatter), and the 250 after DATA means the expanded envelope is
 *	queued, with one delivery state per final address.
 *
 *	The maps (map.h: SOURCE.cdb) are opened at the first lookup and kept
 *	until recipient_maps_close(); a missing or unreadable database when
 *	one is configured fails closed (451 4.3.0), never accept-all.
 *	recipient_reply() is the SMTP reply for a result other than
 *	RECIPIENT_OK.
 * DIAGNOSTICS
 *	RECIPIENT_OK; RECIPIENT_UNKNOWN (550 5.1.1); RECIPIENT_MAP_ERROR
 *	(451 4.3.0, logged with the database's name); RECIPIENT_LOOP and
 *	RECIPIENT_TOO_DEEP (451 4.4.6: a configuration error, so temporary:
 *	the mail waits at the sender while the map is fixed);
 *	RECIPIENT_TOO_MANY (452 4.5.3); RECIPIENT_NO_MEMORY (452 4.3.1).
 */
#include <stddef.h>

#include "config.h"
#include "map.h"

#define RECIPIENT_DEPTH_MAX 10
#define RECIPIENT_EXPAND_MAX 1000

enum recipient_result {
	RECIPIENT_OK, RECIPIENT_UNKNOWN, RECIPIENT_MAP_ERROR, RECIPIENT_LOOP,
	RECIPIENT_TOO_DEEP, RECIPIENT_TOO_MANY, RECIPIENT_NO_MEMORY,
};

struct recipient_maps {
	int tried;		/* the databases were opened (or that failed) */
	int rcpt_ok, alias_ok;	/* open */
	struct map rcpt, alias;
};

struct recipient_list {
	char **a;
	size_t n, cap;
};

int recipient_maps_used(const struct config *c);
enum recipient_result recipient_resolve(struct recipient_maps *m, const struct config *c,
					const char *address, struct recipient_list *out);
const char *recipient_reply(enum recipient_result r);
void recipient_list_free(struct recipient_list *l);
void recipient_maps_close(struct recipient_maps *m);

#endif
