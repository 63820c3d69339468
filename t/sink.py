#!/usr/bin/python3
"""t/sink.py - an SMTP/LMTP sink for tests and `make run` (aiosmtpd based).

USAGE
    /usr/bin/python3 t/sink.py --dir DIR [--listen HOST:PORT]... [--unix PATH]
        [--lmtp] [--reply LOCALPART=REPLY]... [--raw-reply LOCALPART=REPLY]...
        [--size N] [--no-smtputf8]
        [--no-8bitmime] [--no-pipelining] [--no-ehlo] [--greeting REPLY]
        [--ready FILE] [--hostname NAME] [--data-delay SECONDS] [--max-rcpt N]
        [--tls-cert PEM --tls-key PEM [--tls-max 1.1|1.2]] [--require-tls]
        [--auth USER:PASSWORD]

    --listen HOST:PORT  listen on TCP (repeatable; IPv6 as [::1]:25)
    --unix PATH         listen on a unix socket (e.g. LMTP for tern's lmtp:unix:)
    --lmtp              speak LMTP (RFC 2033): LHLO, one reply per recipient
                        after the final dot
    --dir DIR           where messages go (created if missing)
    --reply L=REPLY     scripted reply for recipients whose local part is L
                        (case-insensitive). REPLY is "550" or "550 5.1.1 text".
                        SMTP: given at RCPT; LMTP: given after the final dot.
                        A bare code gets the text "X.0.0 scripted reply".
    --raw-reply L=REPLY the same, but REPLY is sent exactly as given: "550"
                        is a reply with no text at all (RFC 5321 §4.2 allows it)
    --size N            advertise SIZE N and refuse larger (0: no SIZE; default
                        33554432)
    --no-smtputf8       do not offer SMTPUTF8 (default: offered)
    --no-8bitmime       do not offer 8BITMIME (default: offered)
    --no-pipelining     do not offer PIPELINING (default: offered)
    --no-ehlo           answer EHLO with 502 (the client must fall back to HELO)
    --greeting REPLY    answer every connection with REPLY (e.g. "421 busy")
                        and close; nothing else happens
    --ready FILE        create FILE once listening (also prints "ready")
    --data-delay S      wait S seconds (a fraction is fine) before the reply to
                        the final dot, so that transactions of concurrent
                        clients overlap and DIR/concurrency shows how many
    --max-rcpt N        accept at most N recipients per transaction and answer
                        "452 4.5.3 Too many recipients" to each RCPT past them
                        (RFC 5321 §4.5.3.1.10; 0, the default: no limit)
    --tls-cert PEM      offer STARTTLS (RFC 3207) with this certificate (and
    --tls-key PEM       any chain after it in the file) and key
    --tls-max V         the highest TLS version offered (1.1: a handshake
                        a TLS 1.2+ client cannot complete)
    --require-tls       refuse everything but EHLO/STARTTLS/QUIT before TLS
    --auth USER:PASS    require AUTH (PLAIN, LOGIN; offered only under TLS)
                        with these credentials; others get 535 5.7.8

    Built-in local parts (unless --reply overrides them):
        defer         451 4.3.0 on the first attempt for that address, then 250
        always-defer  451 4.3.0 always
        reject        550 5.1.1 no such user

FILES
    DIR/N.eml   the message data exactly as received (dot-unstuffed, CRLF kept);
                renamed into place last, so its presence means N is complete
    DIR/N.env   the envelope and session facts, one per line:
                    proto SMTP|LMTP
                    helo NAME
                    from ADDRESS            ("" for the null sender: "from ")
                    mail-options OPT ...    (e.g. "BODY=8BITMIME SIZE=123")
                    to ADDRESS              one per recipient accepted at RCPT
                    delivered ADDRESS       one per recipient given 2xx for data
                    pipelined 0|1           MAIL arrived with more commands
                                            already buffered behind it
                    conn K                  connection number (reuse shows as
                                            several messages with the same K)
                    peer ADDR
                    tls VERSION CIPHER      or "tls none"
                    auth USER               the AUTH login, if any
    DIR/log     one line per command received, "K> COMMAND LINE", and per
                connection "K connect" / "K close"
    DIR/concurrency  rewritten (atomically, by rename) at every change:
                    sessions N           SMTP/LMTP connections open now
                    max-sessions N       the most open at once so far
                    transactions N       transactions open now: from MAIL
                                         accepted to the reply after the
                                         final dot, RSET, HELO/EHLO/LHLO,
                                         QUIT or the connection's end
                    max-transactions N   the most open at once so far
                The counts cover every --listen and --unix socket together
                (not --greeting connections).

    N counts from 1 in arrival order. The sink keeps running until killed.
"""

import argparse
import asyncio
import os
import sys

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, syntax

BUILTIN = {
    "reject": "550 5.1.1 no such user",
    "always-defer": "451 4.3.0 try again later",
}


def full_reply(text):
    """'550' -> '550 5.0.0 scripted reply'; longer texts unchanged."""
    text = text.strip()
    if len(text) == 3 and text.isdigit():
        cls = text[0]
        return "%s %s.0.0 scripted reply" % (text, cls)
    return text


class State:
    def __init__(self, args):
        self.args = args
        self.dir = args.dir
        self.count = 0
        self.conns = 0
        self.sessions = self.max_sessions = 0
        self.tx = self.max_tx = 0
        self.deferred_once = set()
        self.replies = {k.lower(): full_reply(v) for k, v in args.reply}
        self.replies.update({k.lower(): v for k, v in args.raw_reply})
        self.logf = open(os.path.join(self.dir, "log"), "a", buffering=1)

    def log(self, line):
        self.logf.write(line + "\n")

    def write_concurrency(self):
        path = os.path.join(self.dir, "concurrency")
        with open(path + ".tmp", "w") as f:
            f.write("sessions %d\nmax-sessions %d\ntransactions %d\n"
                    "max-transactions %d\n" % (self.sessions, self.max_sessions,
                                                self.tx, self.max_tx))
        os.rename(path + ".tmp", path)

    def session_open(self, server):
        server.counted = True
        self.sessions += 1
        self.max_sessions = max(self.max_sessions, self.sessions)
        self.write_concurrency()

    def session_close(self, server):
        self.tx_end(server)
        if not getattr(server, "counted", False):
            return
        server.counted = False
        self.sessions -= 1
        self.write_concurrency()

    def tx_begin(self, server):
        if not getattr(server, "in_tx", False):
            server.in_tx = True
            self.tx += 1
            self.max_tx = max(self.max_tx, self.tx)
            self.write_concurrency()

    def tx_end(self, server):
        if getattr(server, "in_tx", False):
            server.in_tx = False
            self.tx -= 1
            self.write_concurrency()

    def reply_for(self, address):
        local = address.rsplit("@", 1)[0].lower()
        if local in self.replies:
            return self.replies[local]
        if local in BUILTIN:
            return BUILTIN[local]
        if local == "defer":
            if address.lower() not in self.deferred_once:
                self.deferred_once.add(address.lower())
                return "451 4.3.0 deferred once"
        return None


class Handler:
    def __init__(self, state):
        self.st = state

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        args = self.st.args
        out = []
        for r in responses:
            word = r[4:].split(" ")[0].upper()
            if word == "8BITMIME" and args.no_8bitmime:
                continue
            if word == "HELP":
                continue
            out.append(r)
        if not args.no_pipelining:
            out.append("250-PIPELINING")
        out.append("250-ENHANCEDSTATUSCODES")
        out.append("250 HELP")
        return out

    async def handle_MAIL(self, server, session, envelope, address, options):
        buffered = len(getattr(server._reader, "_buffer", b""))
        session.pipelined = 1 if buffered > 0 else 0
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        self.st.tx_begin(server)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        limit = self.st.args.max_rcpt
        if limit and len(envelope.rcpt_tos) >= limit:
            return "452 4.5.3 Too many recipients"
        if not server.is_lmtp:
            r = self.st.reply_for(address)
            if r is not None:
                return r
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        st = self.st
        replies = []
        delivered = []
        for a in envelope.rcpt_tos:
            r = st.reply_for(a) if server.is_lmtp else None
            if r is None:
                r = "250 2.0.0 %s delivered" % a
                delivered.append(a)
            replies.append(r)
        if delivered:
            self.store(server, session, envelope, delivered)
        if st.args.data_delay:
            await asyncio.sleep(st.args.data_delay)
        st.tx_end(server)
        if not server.is_lmtp:
            return replies[0] if replies else "554 5.5.1 no recipients"
        for r in replies[:-1]:
            await server.push(r)
        return replies[-1]

    def store(self, server, session, envelope, delivered):
        st = self.st
        st.count += 1
        n = st.count
        lines = [
            "proto " + ("LMTP" if server.is_lmtp else "SMTP"),
            "helo " + str(session.host_name),
            "from " + (envelope.mail_from or "").strip("<>"),
            "mail-options " + " ".join(envelope.mail_options),
        ]
        lines += ["to " + a for a in envelope.rcpt_tos]
        lines += ["delivered " + a for a in delivered]
        lines.append("pipelined %d" % getattr(session, "pipelined", 0))
        lines.append("conn %d" % server.conn_no)
        peer = session.peer
        lines.append("peer %s" % (peer[0] if isinstance(peer, tuple) else peer))
        sslobj = server.transport.get_extra_info("ssl_object")
        lines.append("tls %s %s" % (sslobj.version(), sslobj.cipher()[0])
                     if sslobj else "tls none")
        if getattr(session, "authenticated", False):
            login = getattr(session.auth_data, "login", b"") or b""
            lines.append("auth %s" % login.decode("utf-8", "replace"))
        base = os.path.join(st.dir, str(n))
        with open(base + ".env", "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")


class SinkMixin:
    """Logs every command line and numbers connections."""

    def connection_made(self, transport):
        st = self.event_handler.st
        st.conns += 1
        self.conn_no = st.conns
        st.log("%d connect" % self.conn_no)
        st.session_open(self)
        super().connection_made(transport)

    def connection_lost(self, exc):
        st = self.event_handler.st
        st.log("%d close" % getattr(self, "conn_no", 0))
        st.session_close(self)
        super().connection_lost(exc)


class SinkSMTP(SinkMixin, SMTP):
    is_lmtp = False

    @syntax("EHLO hostname")
    async def smtp_EHLO(self, hostname):
        self.event_handler.st.log("%d> EHLO %s" % (self.conn_no, hostname))
        self.event_handler.st.tx_end(self)
        if self.event_handler.st.args.no_ehlo:
            await self.push("502 5.5.1 EHLO not implemented")
            return
        await super().smtp_EHLO(hostname)


class SinkLMTP(SinkMixin, LMTP):
    is_lmtp = True


def wrap_logging(cls):
    """Log each command before aiosmtpd dispatches it."""
    for name in ("HELO", "LHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT",
                 "STARTTLS"):
        orig = getattr(cls, "smtp_" + name, None)
        if orig is None:
            continue

        def make(orig, name):
            async def f(self, arg):
                st = self.event_handler.st
                st.log("%d> %s%s" % (self.conn_no, name, (" " + arg) if arg else ""))
                if name in ("HELO", "LHLO", "RSET", "QUIT"):
                    st.tx_end(self)
                return await orig(self, arg)
            f.__name__ = orig.__name__
            f.__doc__ = orig.__doc__
            for attr in ("__smtp_syntax__", "__smtp_syntax_extended__",
                         "__smtp_syntax_when__"):
                if hasattr(orig, attr):
                    setattr(f, attr, getattr(orig, attr))
            return f
        setattr(cls, "smtp_" + name, make(orig, name))


wrap_logging(SinkSMTP)
wrap_logging(SinkLMTP)


async def greeting_only(reply, reader, writer):
    writer.write((reply.rstrip("\r\n") + "\r\n").encode())
    try:
        await writer.drain()
        await asyncio.wait_for(reader.read(4096), 2)
    except Exception:
        pass
    writer.close()


def split_hostport(s):
    if s.startswith("["):
        host, _, port = s[1:].partition("]:")
    else:
        host, _, port = s.rpartition(":")
    return host, int(port)


async def main(args):
    os.makedirs(args.dir, exist_ok=True)
    st = State(args)
    handler = Handler(st)
    cls = SinkLMTP if args.lmtp else SinkSMTP
    hostname = args.hostname

    tls = None
    if args.tls_cert:
        import ssl
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_max == "1.1":
            tls.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            tls.maximum_version = ssl.TLSVersion.TLSv1_1
        elif args.tls_max == "1.2":
            tls.maximum_version = ssl.TLSVersion.TLSv1_2
    auth = {}
    if args.auth:
        from aiosmtpd.smtp import AuthResult

        def authenticator(server, session, envelope, mechanism, data):
            login = getattr(data, "login", None)
            password = getattr(data, "password", None)
            st.log("%d auth %s %s" % (server.conn_no, mechanism,
                                      (login or b"").decode("utf-8", "replace")))
            ok = (login, password) == (args.auth[0].encode(), args.auth[1].encode())
            return AuthResult(success=ok, handled=False, auth_data=data)
        auth = dict(authenticator=authenticator, auth_required=True,
                    auth_require_tls=True)

    def factory():
        return cls(handler, data_size_limit=args.size or None,
                   enable_SMTPUTF8=not args.no_smtputf8, decode_data=False,
                   hostname=hostname, ident="tern-sink", timeout=60,
                   tls_context=tls, require_starttls=args.require_tls, **auth)

    loop = asyncio.get_running_loop()
    servers = []
    for hp in args.listen:
        host, port = split_hostport(hp)
        if args.greeting:
            s = await asyncio.start_server(
                lambda r, w: greeting_only(args.greeting, r, w), host, port,
                reuse_address=True)
        else:
            s = await loop.create_server(factory, host, port, reuse_address=True)
        servers.append(s)
    if args.unix:
        try:
            os.unlink(args.unix)
        except FileNotFoundError:
            pass
        servers.append(await loop.create_unix_server(factory, args.unix))
        os.chmod(args.unix, 0o777)
    st.write_concurrency()
    if args.ready:
        open(args.ready, "w").close()
    print("ready", flush=True)
    await asyncio.Event().wait()


def parse_args(argv):
    p = argparse.ArgumentParser(description="SMTP/LMTP test sink")
    p.add_argument("--listen", action="append", default=[])
    p.add_argument("--unix")
    p.add_argument("--dir", required=True)
    p.add_argument("--lmtp", action="store_true")
    p.add_argument("--reply", action="append", default=[],
                   type=lambda s: tuple(s.split("=", 1)))
    p.add_argument("--raw-reply", action="append", default=[],
                   type=lambda s: tuple(s.split("=", 1)))
    p.add_argument("--size", type=int, default=33554432)
    p.add_argument("--no-smtputf8", action="store_true")
    p.add_argument("--no-8bitmime", action="store_true")
    p.add_argument("--no-pipelining", action="store_true")
    p.add_argument("--no-ehlo", action="store_true")
    p.add_argument("--greeting")
    p.add_argument("--ready")
    p.add_argument("--hostname", default="sink.test")
    p.add_argument("--data-delay", type=float, default=0)
    p.add_argument("--max-rcpt", type=int, default=0)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--tls-max", choices=["1.1", "1.2"])
    p.add_argument("--require-tls", action="store_true")
    p.add_argument("--auth", type=lambda s: tuple(s.split(":", 1)))
    a = p.parse_args(argv)
    if not a.listen and not a.unix:
        p.error("need --listen or --unix")
    if bool(a.tls_cert) != bool(a.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if a.auth and len(a.auth) != 2:
        p.error("--auth wants USER:PASSWORD")
    for r in a.reply + a.raw_reply:
        if len(r) != 2:
            p.error("--reply and --raw-reply want LOCALPART=REPLY")
    return a


if __name__ == "__main__":
    try:
        asyncio.run(main(parse_args(sys.argv[1:])))
    except KeyboardInterrupt:
        pass
