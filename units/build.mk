# units/: systemd units, sysusers/tmpfiles, xinetd and tcpserver configurations,
# the default tern.conf, and `make install` / `make uninstall` for all of tern.
#
#   make install   [PREFIX=/usr/local] [DESTDIR=] [CONFDIR=/etc/tern]
#                  [QUEUEDIR=/var/spool/tern] [SENDMAIL=yes|no]
#   make uninstall (the same variables)
#
# The files in units/ name the default paths (/usr/local/sbin, /usr/local/libexec/tern,
# /etc/tern, /var/spool/tern); install rewrites them to this build's.
# With DESTDIR empty and run as root, install also creates the users (sysusers,
# else useradd) and the queue (tmpfiles, else install -d). The injector is made
# setuid tern-queue only when that user exists and we are root; otherwise it is
# installed 0755 and install says so (a packager sets the owner). Likewise tlsd
# is made setgid tern-tls (root:tern-tls 2755) only when that group exists.

SENDMAIL ?= yes
DATADIR  ?= $(PREFIX)/share/tern
DOCDIR   ?= $(PREFIX)/share/doc/tern
SYSTEMDUNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
SYSUSERSDIR ?= $(or $(shell pkg-config --variable=sysusersdir systemd 2>/dev/null),/usr/lib/sysusers.d)
TMPFILESDIR ?= $(or $(shell pkg-config --variable=tmpfilesdir systemd 2>/dev/null),/usr/lib/tmpfiles.d)


# Rewrite the default paths written in units/ to this build's.
UNITS_SED = sed -e 's|/usr/local/libexec/tern|$(LIBEXECDIR)|g' \
	-e 's|/usr/local/sbin|$(SBINDIR)|g' -e 's|/usr/local/share/tern|$(DATADIR)|g' \
	-e 's|/etc/tern|$(CONFDIR)|g' -e 's|/var/spool/tern|$(QUEUEDIR)|g'

# Installed name of each man page: tern.conf.5 keeps its name, the others get
# the "tern-" prefix their programs get (no clash with other MTAs' smtpd(8)).
MAN_PAGES := $(wildcard smtpd/*.[1-8] queue/*.[1-8] relay/*.[1-8] map/*.[1-8] lib/*.[1-8] \
	checkpw/*.[1-8] verify/*.[1-8])
man_name = $(if $(filter tern%,$(notdir $(1))),$(notdir $(1)),tern-$(notdir $(1)))
man_dest = $(MANDIR)/man$(subst .,,$(suffix $(1)))/$(call man_name,$(1))
# With SENDMAIL=yes the programs are also sendmail and mailq: so are their
# pages (links to tern-sendmail.1 beside it), or `man sendmail` finds nothing.
SENDMAIL_MAN := $(call man_dest,queue/sendmail.1)
SENDMAIL_MAN_LINKS := $(dir $(SENDMAIL_MAN))sendmail.1 $(dir $(SENDMAIL_MAN))mailq.1

D := $(DESTDIR)
TERN_USERS := tern-smtpd tern-queue tern-relay tern-mail
UNIT_FILES := tern-smtpd.socket tern-smtpd@.service tern-smtps.socket tern-smtps@.service \
	tern-relay.service tern-submission.socket tern-submission@.service

# $(call units_put,MODE,SOURCE,TARGET): install SOURCE with the paths rewritten.
units_put = echo "  $(D)$(3)" && $(UNITS_SED) $(2) > $(D)$(3).new && chmod $(1) $(D)$(3).new && mv -f $(D)$(3).new $(D)$(3)

install: all
	install -d -m 0755 $(D)$(SBINDIR) $(D)$(BINDIR) $(D)$(LIBEXECDIR) $(D)$(CONFDIR) \
		$(D)$(SYSTEMDUNITDIR) $(D)$(SYSUSERSDIR) $(D)$(TMPFILESDIR) \
		$(D)$(DATADIR)/tern-smtpd.tcpserver/log $(D)$(DOCDIR) \
		$(sort $(dir $(foreach m,$(MAN_PAGES),$(D)$(call man_dest,$(m)))))
	install -m 0755 smtpd/smtpd $(D)$(SBINDIR)/tern-smtpd
	install -m 0755 relay/relay $(D)$(SBINDIR)/tern-relay
	install -m 0755 relay/dkim-keygen $(D)$(SBINDIR)/tern-dkim-keygen
	install -m 0755 queue/queuectl $(D)$(SBINDIR)/tern-queuectl
	install -m 0755 queue/sendmail $(D)$(SBINDIR)/tern-sendmail
	install -m 0755 map/newmap $(D)$(SBINDIR)/tern-newmap
	install -m 0755 verify/mailauth $(D)$(LIBEXECDIR)/mailauth
	@# sendmail -bs runs LIBEXECDIR/smtpd.
	ln -sfn $(SBINDIR)/tern-smtpd $(D)$(LIBEXECDIR)/smtpd
ifeq ($(SENDMAIL),yes)
	ln -sfn $(SBINDIR)/tern-sendmail $(D)$(SBINDIR)/sendmail
	ln -sfn $(SBINDIR)/tern-sendmail $(D)$(BINDIR)/mailq
endif
	$(foreach m,$(MAN_PAGES),install -m 0644 $(m) $(D)$(call man_dest,$(m)) &&) true
ifeq ($(SENDMAIL),yes)
	$(foreach l,$(SENDMAIL_MAN_LINKS),ln -sfn $(notdir $(SENDMAIL_MAN)) $(D)$(l) &&) true
endif
	@$(foreach u,$(UNIT_FILES),$(call units_put,0644,units/$(u),$(SYSTEMDUNITDIR)/$(u)) &&) true
	@$(call units_put,0644,units/tern.sysusers,$(SYSUSERSDIR)/tern.conf)
	@$(call units_put,0644,units/tern.tmpfiles,$(TMPFILESDIR)/tern.conf)
	@$(call units_put,0644,units/tern-smtpd.xinetd,$(DATADIR)/tern-smtpd.xinetd)
	@$(call units_put,0644,units/tern-smtps.xinetd,$(DATADIR)/tern-smtps.xinetd)
	@$(call units_put,0644,units/tern-submission.xinetd,$(DATADIR)/tern-submission.xinetd)
	@$(call units_put,0755,units/tern-smtpd.tcpserver/run,$(DATADIR)/tern-smtpd.tcpserver/run)
	@$(call units_put,0755,units/tern-smtpd.tcpserver/log/run,$(DATADIR)/tern-smtpd.tcpserver/log/run)
	@$(call units_put,0644,units/tern-smtpd.tcpserver/tcp.smtp,$(DATADIR)/tern-smtpd.tcpserver/tcp.smtp)
	@$(call units_put,0644,units/tern-smtpd.tcpserver/per-source.nft,$(DATADIR)/tern-smtpd.tcpserver/per-source.nft)
	@$(call units_put,0644,units/tern.conf,$(DATADIR)/tern.conf)
	install -m 0644 README INSTALL $(D)$(DOCDIR)/
	@# The configuration is the admin's: never overwritten.
	@if [ -e $(D)$(CONFDIR)/tern.conf ]; then \
		echo "install: keeping $(D)$(CONFDIR)/tern.conf (new default: $(DATADIR)/tern.conf)"; \
	else echo "install: $(D)$(CONFDIR)/tern.conf"; \
		$(call units_put,0644,units/tern.conf,$(CONFDIR)/tern.conf); fi
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory install-system; fi
	@if [ "$$(id -u)" = 0 ] && getent passwd tern-queue >/dev/null; then \
		echo "install: $(D)$(LIBEXECDIR)/inject setuid tern-queue, mode 4711"; \
		install -o tern-queue -g "$$(id -g tern-queue)" -m 4711 queue/inject $(D)$(LIBEXECDIR)/inject; \
	else install -m 0755 queue/inject $(D)$(LIBEXECDIR)/inject; \
		echo "install: WARNING: $(D)$(LIBEXECDIR)/inject is not setuid tern-queue (not root, or"; \
		echo "install: no such user): chown tern-queue and chmod 4711 it before use"; fi
	@# tlsd reads the TLS keys (root:tern-tls 0640): setgid tern-tls, see tlsd(8)
	@if [ "$$(id -u)" = 0 ] && getent group tern-tls >/dev/null; then \
		echo "install: $(D)$(LIBEXECDIR)/tlsd setgid tern-tls, mode 2755"; \
		install -o root -g tern-tls -m 2755 smtpd/tlsd $(D)$(LIBEXECDIR)/tlsd; \
	else install -m 0755 smtpd/tlsd $(D)$(LIBEXECDIR)/tlsd; \
		echo "install: WARNING: $(D)$(LIBEXECDIR)/tlsd is not setgid tern-tls (not root, or"; \
		echo "install: no such group): chgrp tern-tls and chmod 2755 it before use"; fi
	@if [ "$$(id -u)" = 0 ] && getent group tern-auth >/dev/null; then \
		echo "install: $(D)$(LIBEXECDIR)/checkpw setgid tern-auth, mode 2755"; \
		install -o root -g tern-auth -m 2755 checkpw/checkpw $(D)$(LIBEXECDIR)/checkpw; \
	else install -m 0755 checkpw/checkpw $(D)$(LIBEXECDIR)/checkpw; \
		echo "install: WARNING: $(D)$(LIBEXECDIR)/checkpw is not setgid tern-auth (not root, or"; \
		echo "install: no such group): chgrp tern-auth and chmod 2755 it before use"; fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

# Users and queue on this machine (install with DESTDIR empty, as root).
install-system:
	@if command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/tern.conf; \
	else for u in $(TERN_USERS); do getent passwd $$u >/dev/null || \
		useradd --system --user-group --no-create-home --home-dir / \
			--shell /usr/sbin/nologin $$u || exit 1; done; \
		getent group tern-tls >/dev/null || groupadd --system tern-tls || exit 1; \
		getent group tern-auth >/dev/null || groupadd --system tern-auth || exit 1; fi
	@if command -v systemd-tmpfiles >/dev/null; then \
		systemd-tmpfiles --create $(TMPFILESDIR)/tern.conf; \
	else for d in "" /tmp /mess /state /retry; do \
		install -d -o tern-queue -g tern-queue -m 0700 $(QUEUEDIR)$$d || exit 1; done; fi

# Removes what install put there. Kept, and said so: the queue (it may hold
# mail), CONFDIR/tern.conf once edited, and the users (files may still be theirs).
uninstall:
	rm -f $(D)$(SBINDIR)/tern-smtpd $(D)$(SBINDIR)/tern-relay $(D)$(SBINDIR)/tern-dkim-keygen $(D)$(SBINDIR)/tern-queuectl \
		$(D)$(SBINDIR)/tern-sendmail $(D)$(SBINDIR)/tern-newmap $(D)$(LIBEXECDIR)/inject $(D)$(LIBEXECDIR)/smtpd \
		$(D)$(LIBEXECDIR)/tlsd \
		$(D)$(LIBEXECDIR)/checkpw $(D)$(LIBEXECDIR)/mailauth \
		$(foreach u,$(UNIT_FILES),$(D)$(SYSTEMDUNITDIR)/$(u)) \
		$(D)$(SYSUSERSDIR)/tern.conf $(D)$(TMPFILESDIR)/tern.conf \
		$(D)$(DATADIR)/tern-smtpd.xinetd $(D)$(DATADIR)/tern-smtps.xinetd \
		$(D)$(DATADIR)/tern-submission.xinetd \
		$(D)$(DATADIR)/tern-smtpd.tcpserver/run \
		$(D)$(DATADIR)/tern-smtpd.tcpserver/log/run $(D)$(DATADIR)/tern-smtpd.tcpserver/tcp.smtp \
		$(D)$(DATADIR)/tern-smtpd.tcpserver/per-source.nft \
		$(D)$(DOCDIR)/README $(D)$(DOCDIR)/INSTALL \
		$(foreach m,$(MAN_PAGES),$(D)$(call man_dest,$(m)))
	@# sendmail and mailq, and their pages, only when they are ours.
	@for l in $(D)$(SBINDIR)/sendmail $(D)$(BINDIR)/mailq; do \
		[ "$$(readlink $$l)" = $(SBINDIR)/tern-sendmail ] && rm -f $$l; done; true
	@for l in $(addprefix $(D),$(SENDMAIL_MAN_LINKS)); do \
		[ "$$(readlink $$l)" = $(notdir $(SENDMAIL_MAN)) ] && rm -f $$l; done; true
	@# tern.conf only when unchanged from the default install wrote.
	@if [ -e $(D)$(CONFDIR)/tern.conf ]; then \
		if $(UNITS_SED) units/tern.conf | cmp -s - $(D)$(CONFDIR)/tern.conf; then \
			rm -f $(D)$(CONFDIR)/tern.conf; \
		else echo "uninstall: kept $(D)$(CONFDIR)/tern.conf (edited)"; fi; fi
	rm -f $(D)$(DATADIR)/tern.conf
	@rmdir $(D)$(DATADIR)/tern-smtpd.tcpserver/log $(D)$(DATADIR)/tern-smtpd.tcpserver \
		$(D)$(DATADIR) $(D)$(DOCDIR) $(D)$(LIBEXECDIR) $(D)$(CONFDIR) 2>/dev/null || true
	@echo "uninstall: kept the queue $(D)$(QUEUEDIR) (it may hold mail), the users $(TERN_USERS) and the group tern-auth"
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

.PHONY: install-system
