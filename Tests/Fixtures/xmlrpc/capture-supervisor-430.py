#!/usr/bin/env python3
"""Capture the exact bytes Python's xmlrpc.client and supervisor 4.3.0 put on
the wire, as fixtures for swiftvisor's HTTP and XML-RPC unit tests.

Run with a Python that has supervisor 4.3.0 installed, e.g.

    python3 -m venv /tmp/sv430 && /tmp/sv430/bin/pip install supervisor==4.3.0
    /tmp/sv430/bin/python Tests/Fixtures/xmlrpc/capture-supervisor-430.py \
        > Tests/SwiftvisorCoreTests/XMLRPCCapturedFixtures.swift

It records:
  1. requests as supervisorctl's SupervisorTransport (unix socket, with and
     without credentials) and plain xmlrpc.client.ServerProxy (TCP) send them;
  2. response bodies from supervisor.xmlrpc.xmlrpc_marshal (the function
     supervisord answers with) for a set of values and faults;
  3. whole HTTP responses of a real supervisord 4.3.0 to raw requests
     (Date header replaced by "Date: <date>").
The output is a Swift source file of string literals, so the unit tests need
no file access.
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client

from supervisor.xmlrpc import SupervisorTransport, xmlrpc_marshal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from swift_literal import swift_literal  # noqa: E402

OK_BODY = xmlrpc.client.dumps(("ok",), methodresponse=True).encode()
OK_RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
               % len(OK_BODY)) + OK_BODY


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        rest += conn.recv(65536)
    return head + b"\r\n\r\n" + rest


def recording_server(sock, out):
    """Serve until the listener closes: record each request, answer 'ok'."""
    def serve(conn):
        with conn:
            while True:
                req = read_request(conn)
                if req is None:
                    return
                out.append(req)
                conn.sendall(OK_RESPONSE)
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def capture_requests():
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "s.sock")
    usock = socket.socket(socket.AF_UNIX)
    usock.bind(path)
    usock.listen(8)
    tsock = socket.socket()
    tsock.bind(("127.0.0.1", 0))
    tsock.listen(8)
    port = tsock.getsockname()[1]
    got_unix, got_tcp = [], []
    threading.Thread(target=recording_server, args=(usock, got_unix), daemon=True).start()
    threading.Thread(target=recording_server, args=(tsock, got_tcp), daemon=True).start()

    calls = [
        ("getVersion", "supervisor.getVersion", ()),
        ("getAllProcessInfo", "supervisor.getAllProcessInfo", ()),
        ("startProcess", "supervisor.startProcess", ("web:web_01", True)),
        ("readProcessStdoutLog", "supervisor.readProcessStdoutLog", ("web", -1600, 0)),
        ("signalProcess", "supervisor.signalProcess", ("web", "HUP")),
        ("sendProcessStdin", "supervisor.sendProcessStdin", ("cat", "h\u00e9 <&> \"'\r\n")),
        ("multicall", "system.multicall", ([
            {"methodName": "supervisor.stopProcess", "params": ["web"]},
            {"methodName": "supervisor.startProcess", "params": ["web"]},
        ],)),
        ("float_struct_nested", "test.values", ({"a": [1.5, False, -7], "b": {}}, [])),
    ]
    records = []
    # supervisorctl's transport over the unix socket, no credentials
    proxy = xmlrpc.client.ServerProxy("http://127.0.0.1",
                                      transport=SupervisorTransport(None, None, "unix://" + path))
    for name, method, params in calls:
        getattr(proxy, method)(*params)
        records.append(("ctlUnix_" + name, got_unix[-1]))
    # with -u bob -p secret
    proxy = xmlrpc.client.ServerProxy("http://127.0.0.1",
                                      transport=SupervisorTransport("bob", "secret", "unix://" + path))
    proxy.supervisor.getVersion()
    records.append(("ctlUnixAuth_getVersion", got_unix[-1]))
    # supervisorctl to an inet server
    proxy = xmlrpc.client.ServerProxy("http://127.0.0.1",
                                      transport=SupervisorTransport(None, None, "http://127.0.0.1:%d" % port))
    proxy.supervisor.getVersion()
    records.append(("ctlInet_getVersion", got_tcp[-1].replace(b"%d" % port, b"PORT")))
    # a deploy script's plain ServerProxy
    proxy = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port)
    proxy.supervisor.getAllProcessInfo()
    records.append(("serverProxy_getAllProcessInfo", got_tcp[-1].replace(b"%d" % port, b"PORT")))
    usock.close()
    tsock.close()
    return records


def capture_bodies():
    values = [
        ("string", "hello"),
        ("emptyString", ""),
        ("escapedString", "a&b<c>d \"q\" 'a'"),
        ("nonASCII", "caf\u00e9 \u2603 \U0001F600"),
        ("int", 42),
        ("negativeInt", -2147483648),
        ("maxInt", 2147483647),
        ("true", True),
        ("false", False),
        ("double", 1.5),
        ("doubleTenth", 0.1),
        ("doubleBig", 1e300),
        ("doubleSmall", 1e-05),
        ("doubleWhole", 100.0),
        ("double1e16", 1e16),
        ("emptyArray", []),
        ("emptyStruct", {}),
        ("array", ["a", 1, True]),
        ("struct", {"name": "web", "pid": 4242, "ok": False}),
        ("nested", [{"a": [1, {"b": "c<"}]}, []]),
        ("reloadConfig", [[["alpha", "beta"], ["grp"], []]]),
        ("processInfo", {
            "name": "web", "group": "web", "start": 1700000000, "stop": 0, "now": 1700000100,
            "state": 20, "statename": "RUNNING", "spawnerr": "", "exitstatus": 0,
            "logfile": "/tmp/web.log", "stdout_logfile": "/tmp/web.log", "stderr_logfile": "",
            "pid": 4242, "description": "pid 4242, uptime 0:01:40"}),
    ]
    records = []
    for name, value in values:
        records.append(("response_" + name, xmlrpc_marshal(value).encode("utf-8")))
    for code, text in [(1, "UNKNOWN_METHOD"), (10, "BAD_NAME: web:zz"), (2, "INCORRECT_PARAMETERS"),
                       (30, "FAILED: a<b & c>")]:
        records.append(("fault_%d" % code, xmlrpc_marshal(xmlrpc.client.Fault(code, text)).encode("utf-8")))
    # allow_none, as xmlrpc.client encodes nil (supervisord itself never sends one)
    records.append(("response_nilAllowNone", xmlrpc.client.dumps((None,), methodresponse=True,
                                                                  allow_none=True).encode()))
    return records


RAW_REQUESTS = [
    ("getVersion11", "unix",
     b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n",
     xmlrpc.client.dumps((), "supervisor.getVersion").encode()),
    ("getVersion10KeepAlive", "unix",
     b"POST /RPC2 HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: %d\r\n\r\n",
     xmlrpc.client.dumps((), "supervisor.getVersion").encode()),
    ("unknownMethod", "unix",
     b"POST /RPC2 HTTP/1.1\r\nContent-Length: %d\r\n\r\n",
     xmlrpc.client.dumps((), "supervisor.nope").encode()),
    ("wrongArgCount", "unix",
     b"POST /RPC2 HTTP/1.1\r\nContent-Length: %d\r\n\r\n",
     xmlrpc.client.dumps(("x",), "supervisor.getVersion").encode()),
    ("malformedXML", "unix",
     b"POST /RPC2 HTTP/1.1\r\nContent-Length: %d\r\n\r\n", b"<methodCall><methodName>x"),
    ("noMethodName", "unix",
     b"POST /RPC2 HTTP/1.1\r\nContent-Length: %d\r\n\r\n", b"<methodCall><params/></methodCall>"),
    ("getRPC2", "unix", b"GET /RPC2 HTTP/1.1\r\n\r\n", None),
    ("postNoLength", "unix", b"POST /RPC2 HTTP/1.1\r\n\r\n", None),
    ("headRoot", "unix", b"HEAD / HTTP/1.1\r\n\r\n", None),
    ("unauthorized", "inet", b"POST /RPC2 HTTP/1.1\r\nContent-Length: %d\r\n\r\n",
     xmlrpc.client.dumps((), "supervisor.getVersion").encode()),
]

# supervisor.* calls whose answers hold nothing volatile (no pid, time or
# AUTO log name), as (name, method, params): the unit tests compare
# swiftvisord's answer bodies with these byte for byte.
METHOD_CALLS = [
    ("getState", "supervisor.getState", ()),
    ("getIdentification", "supervisor.getIdentification", ()),
    ("startProcessGroupInt", "supervisor.startProcessGroup", (5,)),
    ("startProcessGroupStar", "supervisor.startProcessGroup", ("sleeper:*",)),
    ("startProcessRunning", "supervisor.startProcess", ("sleeper",)),
    ("startProcessGroupRunning", "supervisor.startProcessGroup", ("sleeper",)),
    ("stopProcessAll", "supervisor.stopProcess", ("all",)),
    ("getProcessInfoStar", "supervisor.getProcessInfo", ("sleeper:*",)),
    ("readLogBadArguments", "supervisor.readProcessStdoutLog", ("sleeper", 0, -1)),
    ("tailNoStderr", "supervisor.tailProcessStderrLog", ("sleeper", 0, 10)),
    ("sendStdinInt", "supervisor.sendProcessStdin", ("sleeper", 5)),
    ("signalBad", "supervisor.signalProcess", ("sleeper", "NOPE")),
    ("signalGroupBad", "supervisor.signalProcessGroup", ("sleeper", "NOPE")),
    ("signalGroup", "supervisor.signalProcessGroup", ("sleeper", "CONT")),
    ("clearStar", "supervisor.clearProcessLogs", ("sleeper:*",)),
    ("reloadConfig", "supervisor.reloadConfig", ()),
    ("addAdded", "supervisor.addProcessGroup", ("sleeper",)),
    ("removeRunning", "supervisor.removeProcessGroup", ("sleeper",)),
    ("remoteComm", "supervisor.sendRemoteCommEvent", (1, 2)),
]
for _name, _method, _params in METHOD_CALLS:
    RAW_REQUESTS.append(("method_" + _name, "unix", b"POST /RPC2 HTTP/1.1\r\nContent-Length: %d\r\n\r\n",
                         xmlrpc.client.dumps(_params, _method).encode()))


def read_response(sock, deadline=3.0):
    sock.settimeout(0.5)
    data = b""
    end = time.time() + deadline
    while time.time() < end:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length: ") and len(body) >= int(line[16:]):
                        return data
            continue
        if not chunk:
            break
        data += chunk
    return data


def capture_supervisord():
    tmp = tempfile.mkdtemp()
    sock_path = os.path.join(tmp, "sv.sock")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    conf = os.path.join(tmp, "supervisord.conf")
    with open(conf, "w") as f:
        f.write("[unix_http_server]\nfile=%s\n\n[inet_http_server]\nport=127.0.0.1:%d\n"
                "username=bob\npassword=secret\n\n[supervisord]\nlogfile=%s/sv.log\n"
                "pidfile=%s/sv.pid\nnodaemon=true\n\n[rpcinterface:supervisor]\n"
                "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
                "\n[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\nstderr_logfile=NONE\n"
                % (sock_path, port, tmp, tmp))
    daemon = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "supervisord"), "-c", conf],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = []
    try:
        end = time.time() + 10
        while not os.path.exists(sock_path) and time.time() < end:
            time.sleep(0.05)
        time.sleep(0.5)
        for name, where, head, body in RAW_REQUESTS:
            if where == "unix":
                c = socket.socket(socket.AF_UNIX)
                c.connect(sock_path)
            else:
                c = socket.create_connection(("127.0.0.1", port))
            req = head % len(body) if body is not None else head
            c.sendall(req + (body or b""))
            resp = read_response(c)
            c.close()
            lines = resp.split(b"\r\n")
            lines = [b"Date: <date>" if l.startswith(b"Date: ") else l for l in lines]
            records.append(("supervisord_" + name, b"\r\n".join(lines)))
    finally:
        daemon.terminate()
        daemon.wait()
    return records


def call(params_xml, name="<methodName>m.x</methodName>"):
    return "<?xml version='1.0'?><methodCall>%s<params>%s</params></methodCall>" % (name, params_xml)


def param(value_xml):
    return "<param><value>%s</value></param>" % value_xml


# Request bodies with the quirks of supervisord's unmarshaller (xmlrpc.py loads).
DECODE_CASES = [
    ("booleanTrueWord", call(param("<boolean>true</boolean>"))),
    ("booleanOne", call(param("<boolean>1</boolean>"))),
    ("untypedValue", call("<param><value>abc</value></param>")),
    ("emptyValue", call("<param><value></value></param>")),
    ("nil", call(param("<nil/>"))),
    ("i8", call(param("<i8>-100</i8>"))),
    ("intBlanks", call(param("<int> 42 </int>"))),
    ("intUnderscore", call(param("<i4>1_000</i4>"))),
    ("intJunk", call(param("<int>12x</int>"))),
    ("intEmpty", call(param("<int></int>"))),
    ("noParams", "<methodCall><methodName>m.x</methodName></methodCall>"),
    ("emptyMethodName", call("", "<methodName></methodName>")),
    ("noMethodName", "<methodCall><params/></methodCall>"),
    ("structDuplicateKey", call(param("<struct><member><name>a</name><value>1</value></member>"
                                      "<member><name>b</name><value>x</value></member>"
                                      "<member><name>a</name><value><int>2</int></value></member></struct>"))),
    ("structEmptyName", call(param("<struct><member><name></name><value>v</value></member></struct>"))),
    ("structMemberOfThree", call(param("<struct><member><name>a</name><value>1</value><value>2</value></member></struct>"))),
    ("arrayWithoutData", call(param("<array></array>"))),
    ("arrayEmptyData", call(param("<array><data/></array>"))),
    ("arrayNested", call(param("<array><data><value>a</value><value><array><data><value><int>1</int></value></data></array></value></data></array>"))),
    ("base64", call(param("<base64>aGVs\nbG8=</base64>"))),
    ("base64NotUTF8", call(param("<base64>/w==</base64>"))),
    ("base64NoPadding", call(param("<base64>aGVsbG8</base64>"))),
    ("doubleBlanks", call(param("<double> 1.5 </double>"))),
    ("doubleExponent", call(param("<double>1e3</double>"))),
    ("doubleJunk", call(param("<double>abc</double>"))),
    ("entities", call(param("<string>&lt;&gt;&amp;&quot;&apos;&#233;&#x263A;</string>"))),
    ("stringWithChild", call(param("<string>a<b/>c</string>"))),
    ("lineEnds", call(param("<string>a\r\nb\rc</string>"))),
    ("cdata", call(param("<string><![CDATA[<not> & markup]]></string>"))),
    ("comment", call(param("<string>a<!-- x -->b</string>"))),
    ("valueTail", call("<param><value><string>x</string>tail</value></param>")),
    ("valueBlanksAroundChild", call("<param><value>\n  <int>5</int>\n</value></param>")),
    ("paramsWithoutParam", call("<value>x</value>")),
    ("emptyParam", call("<param></param>")),
    ("encodingDeclaration", '<?xml version="1.0" encoding="UTF-8"?><methodCall><methodName>m.x</methodName></methodCall>'),
    ("twoParams", "<methodCall><methodName>m.x</methodName><params>" + param("a") + "</params><params>" + param("b") + "</params></methodCall>"),
    ("nonASCII", call(param("<string>caf\u00e9 \u2603</string>"))),
    ("dateTime", call(param("<dateTime.iso8601>20240102T03:04:05</dateTime.iso8601>"))),
    ("mismatchedTag", "<methodCall><methodName>m.x</methodCall>"),
    ("truncated", "<methodCall><methodName>m.x</methodName"),
    ("undefinedEntity", call(param("<string>&foo;</string>"))),
    ("charRefZero", call(param("<string>&#0;</string>"))),
    ("charRefTooBig", call(param("<string>&#x110000;</string>"))),
    ("controlCharacter", call(param("<string>a\x01b</string>"))),
    ("twoRoots", "<methodCall><methodName>m.x</methodName></methodCall><methodCall/>"),
    ("textAfterRoot", "<methodCall><methodName>m.x</methodName></methodCall>junk"),
    ("declarationNotFirst", " <?xml version='1.0'?><methodCall><methodName>m.x</methodName></methodCall>"),
    ("empty", ""),
    ("methodNameBlanks", call("", "<methodName> supervisor.getVersion </methodName>")),
    ("declarationVersion2", "<?xml version='2.0'?><methodCall><methodName>m.x</methodName></methodCall>"),
    ("declarationMangled", "<?xml ve'1.0'?><methodCall><methodName>m.x</methodName></methodCall>"),
    ("declarationOutOfOrder", "<?xml encoding='UTF-8' version='1.0'?><methodCall><methodName>m.x</methodName></methodCall>"),
    ("declarationStandalone", "<?xml version='1.0' encoding='utf-8' standalone='no'?><methodCall><methodName>m.x</methodName></methodCall>"),
]


def capture_decodes():
    from supervisor.xmlrpc import supervisor_xmlrpc_handler
    handler = supervisor_xmlrpc_handler.__new__(supervisor_xmlrpc_handler)
    out = []
    for name, body in DECODE_CASES:
        try:
            params, method = handler.loads(body)
        except Exception:
            result = "unmarshallable"
        else:
            result = "no method name" if not method else repr((method, params or ()))
        out.append((name, body.encode("utf-8"), result))
    return out



def main():
    records = capture_requests() + capture_bodies() + capture_supervisord()
    print("// Generated by Tests/Fixtures/xmlrpc/capture-supervisor-430.py from Python %d.%d.%d"
          % sys.version_info[:3])
    print("// and supervisor 4.3.0: the exact bytes on the wire. Do not edit by hand.")
    print()
    print("enum Captured430 {")
    for name, data in records:
        print("    static let %s: [UInt8] = Array(%s.utf8)" % (name, swift_literal(data)))
    print()
    print("    /// (name, request body, what supervisord makes of it: repr((method, params)),")
    print("    /// `unmarshallable` or `no method name`).")
    print("    static let decodeCases: [(String, [UInt8], String)] = [")
    for name, body, result in capture_decodes():
        print("        (%s, Array(%s.utf8), %s)," % (swift_literal(name.encode()), swift_literal(body),
                                                   swift_literal(result.encode("utf-8"))))
    print("    ]")
    print("}")


if __name__ == "__main__":
    main()
