//! A fault-injecting HTTP/1.1 proxy for end-to-end tests: it sits between `bbscan` and moto,
//! records every request it sees, and answers some of them itself (an AWS error in the
//! service's own protocol, a delay, a malformed page) as its [`Rule`]s say.
//!
//! One request per connection: every response, forwarded or made here, carries
//! `Connection: close` and the connection is closed after it, so the SDK opens a new one for
//! the next request. std only: one thread accepts, one short-lived thread serves each
//! connection.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the proxy waits on a silent client or upstream before giving up on a connection.
const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request head (request line and headers) accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted (collection only reads; its bodies are small).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// What the proxy does instead of forwarding.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with an AWS error in the error format of the service's protocol.
    Error { status: u16, code: &'static str, message: &'static str },
    /// Wait, then forward (for timeouts).
    Delay(Duration),
    /// Answer HTTP 200 with a truncated body of the protocol's content type.
    Garbage,
    /// Answer HTTP 200 with this body, in the protocol's content type: what AWS would say where
    /// the fake AWS does not implement the operation.
    Answer(&'static str),
}

/// Which requests a fault applies to.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The service as [`RequestInfo::service`] names it (`ssm`, `iam`, `s3control`, `monitoring`).
    pub service: &'static str,
    /// A substring of [`RequestInfo::operation`]; `None` matches every operation.
    pub operation: Option<&'static str>,
    /// How many matching requests get the fault; `None` means all of them.
    pub times: Option<u32>,
    /// A substring of the request body (as sent: form-encoded for query protocols); `None`
    /// matches every body.
    pub body: Option<String>,
    pub fault: Fault,
}

impl Rule {
    /// Every request to `service` gets `fault`.
    pub fn always(service: &'static str, fault: Fault) -> Rule {
        Rule { service, operation: None, times: None, body: None, fault }
    }

    /// Requests to `service` whose operation contains `operation` get `fault`.
    pub fn on(service: &'static str, operation: &'static str, fault: Fault) -> Rule {
        Rule { service, operation: Some(operation), times: None, body: None, fault }
    }

    /// Only the first `n` matching requests get the fault; later ones are forwarded.
    pub fn times(mut self, n: u32) -> Rule {
        self.times = Some(n);
        self
    }

    /// Only requests whose body contains `text` (for example one `RoleArn` of `AssumeRole`).
    pub fn when_body_contains(mut self, text: impl Into<String>) -> Rule {
        self.body = Some(text.into());
        self
    }

    fn matches(&self, request: &RequestInfo) -> bool {
        self.service == request.service
            && self.operation.is_none_or(|op| request.operation.contains(op))
            && self.body.as_deref().is_none_or(|text| request.body.contains(text))
    }
}

/// A request as the proxy identified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// The SigV4 signing name from the credential scope (`ssm`, `monitoring` for CloudWatch),
    /// except that S3 Control, which signs as `s3`, is reported as `s3control`.
    pub service: String,
    /// The JSON target or query `Action` (`DescribeParameters`); for REST protocols
    /// `METHOD /path?query`.
    pub operation: String,
    pub method: String,
    /// The request target as sent, query included.
    pub path: String,
    /// The body as text (lossy), at most its first 4 KiB.
    pub body: String,
}

impl RequestInfo {
    /// Whether the operation came from the URL (REST protocols) rather than an action name.
    pub fn is_rest(&self) -> bool {
        self.operation.starts_with(&format!("{} ", self.method))
    }
}

/// Rules with how many times each has fired.
struct RuleState {
    rule: Rule,
    fired: u32,
}

struct Shared {
    upstream: SocketAddr,
    rules: Mutex<Vec<RuleState>>,
    seen: Mutex<Vec<RequestInfo>>,
    stopping: AtomicBool,
}

/// A running proxy; stops accepting when dropped.
pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`, to pass as `--endpoint-url`.
    pub endpoint: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Start a proxy in front of `upstream` (`http://127.0.0.1:PORT`) on a free loopback port.
    pub fn start(upstream: &str, rules: Vec<Rule>) -> FaultProxy {
        let authority = upstream
            .strip_prefix("http://")
            .map(|rest| rest.trim_end_matches('/'))
            .unwrap_or_else(|| panic!("the fault proxy forwards to plain http://HOST:PORT, not {upstream:?}"));
        let upstream: SocketAddr =
            authority.parse().unwrap_or_else(|e| panic!("upstream {authority:?} is not an IP:PORT address: {e}"));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fault proxy to a loopback port");
        let addr = listener.local_addr().expect("the fault proxy's address");
        let shared = Arc::new(Shared {
            upstream,
            rules: Mutex::new(rules.into_iter().map(|rule| RuleState { rule, fired: 0 }).collect()),
            seen: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
        });
        let accept = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("fault-proxy-accept".into())
                .spawn(move || accept_loop(&listener, &shared))
                .expect("spawn the fault proxy's accept thread")
        };
        FaultProxy { endpoint: format!("http://{addr}"), addr, shared, accept: Some(accept) }
    }

    /// Every request seen so far, in arrival order.
    pub fn requests(&self) -> Vec<RequestInfo> {
        self.shared.seen.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                // Out of file descriptors and the like: don't spin on it.
                eprintln!("fault proxy: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let shared = Arc::clone(shared);
        // Connection threads end on their own: every read and write has a timeout, and a
        // delay stops early once the proxy is stopping.
        let spawned = std::thread::Builder::new().name("fault-proxy-conn".into()).spawn(move || {
            if let Err(e) = serve(stream, &shared)
                && !shared.stopping.load(Ordering::SeqCst)
            {
                eprintln!("fault proxy: {e}");
            }
        });
        if let Err(e) = spawned {
            eprintln!("fault proxy: cannot spawn a connection thread: {e}");
        }
    }
}

/// A parsed request: the head as received and the (de-chunked) body.
struct Request {
    method: String,
    target: String,
    /// Header lines in order, names as sent.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn serve(client: TcpStream, shared: &Shared) -> io::Result<()> {
    client.set_read_timeout(Some(IO_TIMEOUT))?;
    client.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    let request = match read_request(&mut reader) {
        Ok(Some(request)) => request,
        // A connection opened and closed without a request (the Drop wake-up, a pool probe).
        Ok(None) => return Ok(()),
        Err(e) => {
            let body = format!("fault proxy could not read the request: {e}\n");
            let _ = write_response(&mut client, 400, "text/plain", &[], body.as_bytes());
            return Err(e);
        }
    };
    let info = identify(&request);
    shared.seen.lock().unwrap_or_else(PoisonError::into_inner).push(info.clone());

    let answered = match fault_for(shared, &info) {
        Some(Fault::Error { status, code, message }) => {
            let (content_type, headers, body) = error_body(&info.service, code, message);
            write_response(&mut client, status, content_type, &headers, &body)
        }
        Some(Fault::Garbage) => {
            let (content_type, body) = garbage_body(&info.service);
            write_response(&mut client, 200, content_type, &[], body.as_bytes())
        }
        Some(Fault::Answer(body)) => {
            let (content_type, _) = garbage_body(&info.service);
            write_response(&mut client, 200, content_type, &[], body.as_bytes())
        }
        Some(Fault::Delay(delay)) => {
            let deadline = Instant::now() + delay;
            while Instant::now() < deadline {
                if shared.stopping.load(Ordering::SeqCst) {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(20).min(deadline - Instant::now()));
            }
            forward(&request, shared.upstream, &mut client)
        }
        None => forward(&request, shared.upstream, &mut client),
    };
    // Close our side cleanly; the client may already have gone (after its own timeout).
    let _ = client.shutdown(Shutdown::Write);
    answered
}

/// The fault of the first rule that matches and has not run out, counting it as fired.
fn fault_for(shared: &Shared, info: &RequestInfo) -> Option<Fault> {
    let mut rules = shared.rules.lock().unwrap_or_else(PoisonError::into_inner);
    let state = rules.iter_mut().find(|s| s.rule.matches(info) && s.rule.times.is_none_or(|n| s.fired < n))?;
    state.fired += 1;
    Some(state.rule.fault.clone())
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Read one request; `None` if the client closed before sending anything.
fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let before = head.len();
        let n = (&mut *reader).take((MAX_HEAD - head.len()) as u64).read_until(b'\n', &mut head)?;
        if n == 0 {
            if before == 0 {
                return Ok(None);
            }
            return Err(invalid(if head.len() >= MAX_HEAD {
                "request head longer than 64 KiB"
            } else {
                "connection closed inside the request head"
            }));
        }
    }
    let head = std::str::from_utf8(&head).map_err(|_| invalid("request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid(format!("bad request line {request_line:?}")));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(invalid(format!("only HTTP/1.x is proxied, got {version:?}")));
    }
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(|| invalid(format!("bad header line {line:?}")))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let mut request = Request { method: method.to_string(), target: target.to_string(), headers, body: Vec::new() };

    if request.header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        return Err(invalid("Expect: 100-continue is not supported by the fault proxy"));
    }
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("chunked")));
    if chunked {
        request.body = read_chunked(reader)?;
    } else if let Some(length) = request.header("content-length") {
        let length: usize = length.parse().map_err(|_| invalid(format!("bad Content-Length {length:?}")))?;
        if length > MAX_BODY {
            return Err(invalid(format!("request body of {length} bytes is over the proxy's limit")));
        }
        request.body = vec![0; length];
        reader.read_exact(&mut request.body)?;
    }
    Ok(Some(request))
}

/// Decode a chunked request body (extensions and trailers are read and dropped).
fn read_chunked(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size_line = String::new();
        reader.read_line(&mut size_line)?;
        let size = size_line.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size, 16).map_err(|_| invalid(format!("bad chunk size line {size_line:?}")))?;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(invalid("chunked request body is over the proxy's limit"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(invalid("chunk not followed by CRLF"));
        }
    }
}

/// Name the service and operation of a request.
fn identify(request: &Request) -> RequestInfo {
    let signing_name = request
        .header("authorization")
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|credential| credential.split([',', ' ']).next())
        .and_then(|scope| scope.split('/').nth(3))
        .unwrap_or("unsigned");
    // S3 Control signs as `s3`; its paths are versioned.
    let service =
        if signing_name == "s3" && request.target.starts_with("/v20180820/") { "s3control" } else { signing_name };

    let from_target =
        request.header("x-amz-target").map(|target| target.rsplit('.').next().unwrap_or(target).to_string());
    let from_form = || {
        let form = request.header("content-type").is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        form.then(|| {
            String::from_utf8_lossy(&request.body)
                .split('&')
                .find_map(|pair| pair.strip_prefix("Action="))
                .map(str::to_string)
        })
        .flatten()
    };
    let operation = from_target.or_else(from_form).unwrap_or_else(|| format!("{} {}", request.method, request.target));
    RequestInfo {
        service: service.to_string(),
        operation,
        method: request.method.clone(),
        path: request.target.clone(),
        body: String::from_utf8_lossy(&request.body[..request.body.len().min(4096)]).into_owned(),
    }
}

/// The AWS protocol a service speaks, as far as error and page bodies go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    AwsJson,
    AwsQuery,
    /// REST-XML with the error at the root (`<Error>`): S3.
    RestXmlUnwrapped,
    /// REST-XML with `<ErrorResponse><Error>`: S3 Control, CloudFront.
    RestXmlWrapped,
    RestJson,
}

fn protocol(service: &str) -> Protocol {
    match service {
        "iam" | "sts" | "monitoring" => Protocol::AwsQuery,
        "s3" => Protocol::RestXmlUnwrapped,
        "s3control" | "cloudfront" => Protocol::RestXmlWrapped,
        "lambda" | "backup" => Protocol::RestJson,
        // ssm, cloudtrail, logs, kms, acm
        _ => Protocol::AwsJson,
    }
}

/// Escape text for an XML element (the fault texts are the tests' own; this keeps an angle
/// bracket in one from breaking the document).
fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Escape text for a JSON string.
fn escape_json(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Content type, extra headers and body of an AWS error in the service's protocol.
fn error_body(service: &str, code: &str, message: &str) -> (&'static str, Vec<(&'static str, String)>, Vec<u8>) {
    let (xml_code, xml_message) = (escape_xml(code), escape_xml(message));
    let request_id = ("x-amzn-RequestId", "fault-proxy-request".to_string());
    match protocol(service) {
        Protocol::AwsJson => (
            "application/x-amz-json-1.1",
            vec![("x-amzn-ErrorType", code.to_string()), request_id],
            format!(r#"{{"__type":"{}","message":"{}"}}"#, escape_json(code), escape_json(message)).into_bytes(),
        ),
        Protocol::RestJson => (
            "application/json",
            vec![("x-amzn-ErrorType", code.to_string()), request_id],
            format!(r#"{{"message":"{}"}}"#, escape_json(message)).into_bytes(),
        ),
        Protocol::AwsQuery => (
            "text/xml",
            vec![request_id],
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{xml_code}</Code><Message>{xml_message}</Message></Error>\
                 <RequestId>fault-proxy-request</RequestId></ErrorResponse>"
            )
            .into_bytes(),
        ),
        Protocol::RestXmlUnwrapped => (
            "application/xml",
            vec![("x-amz-request-id", "fault-proxy-request".to_string())],
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{xml_code}</Code><Message>{xml_message}</Message>\
                 <RequestId>fault-proxy-request</RequestId></Error>"
            )
            .into_bytes(),
        ),
        Protocol::RestXmlWrapped => (
            "text/xml",
            vec![request_id],
            format!(
                "<?xml version=\"1.0\"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>{xml_code}</Code>\
                 <Message>{xml_message}</Message></Error><RequestId>fault-proxy-request</RequestId></ErrorResponse>"
            )
            .into_bytes(),
        ),
    }
}

/// Content type and body of a successful-looking answer cut off in the middle.
fn garbage_body(service: &str) -> (&'static str, &'static str) {
    match protocol(service) {
        Protocol::AwsJson => ("application/x-amz-json-1.1", r#"{"logGroups": [{"logGroupName": "#),
        Protocol::RestJson => ("application/json", r#"{"Functions": [{"FunctionName": "#),
        Protocol::AwsQuery | Protocol::RestXmlUnwrapped | Protocol::RestXmlWrapped => {
            ("text/xml", "<?xml version=\"1.0\"?>\n<Response><Result><member><Name>cut")
        }
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Fault",
    }
}

fn write_response(
    client: &mut TcpStream,
    status: u16,
    content_type: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason_phrase(status),
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    client.write_all(head.as_bytes())?;
    client.write_all(body)?;
    client.flush()
}

/// Hop-by-hop headers the proxy sets itself.
fn is_hop_header(name: &str) -> bool {
    ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "content-length"]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h))
}

/// Forward the request and relay the answer; if moto cannot be reached, answer 502.
fn forward(request: &Request, upstream: SocketAddr, client: &mut TcpStream) -> io::Result<()> {
    match fetch_upstream(request, upstream) {
        Ok(answer) => relay(&answer, client),
        Err(e) => {
            let body = format!("fault proxy could not get an answer from {upstream}: {e}\n");
            let _ = write_response(client, 502, "text/plain", &[], body.as_bytes());
            Err(e)
        }
    }
}

/// Send the request upstream with `Connection: close` and read the whole answer.
fn fetch_upstream(request: &Request, upstream: SocketAddr) -> io::Result<Vec<u8>> {
    let mut up = TcpStream::connect_timeout(&upstream, Duration::from_secs(5))?;
    up.set_read_timeout(Some(IO_TIMEOUT))?;
    up.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for (name, value) in request.headers.iter().filter(|(n, _)| !is_hop_header(n)) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !request.body.is_empty() || request.header("content-length").is_some() {
        head.push_str(&format!("Content-Length: {}\r\n", request.body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    up.write_all(head.as_bytes())?;
    up.write_all(&request.body)?;
    up.flush()?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    Ok(answer)
}

/// Write an upstream answer to the client with its `Connection` header replaced.
fn relay(answer: &[u8], client: &mut TcpStream) -> io::Result<()> {
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| invalid("upstream answer has no complete head"))?;
    let (answer_head, body) = answer.split_at(split + 4);
    let answer_head = String::from_utf8_lossy(answer_head);
    let mut rewritten = String::with_capacity(answer_head.len() + 20);
    for line in answer_head.split("\r\n").filter(|l| !l.is_empty()) {
        let name = line.split(':').next().unwrap_or_default().trim();
        if !["connection", "keep-alive"].iter().any(|h| name.eq_ignore_ascii_case(h)) {
            rewritten.push_str(line);
            rewritten.push_str("\r\n");
        }
    }
    rewritten.push_str("Connection: close\r\n\r\n");
    client.write_all(rewritten.as_bytes())?;
    client.write_all(body)?;
    client.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(raw: &str) -> Request {
        read_request(&mut BufReader::new(raw.as_bytes())).expect("parses").expect("not empty")
    }

    #[test]
    fn identifies_json_query_and_rest_requests() {
        let auth = |svc: &str| {
            format!(
                "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/{svc}/aws4_request, SignedHeaders=host, Signature=00\r\n"
            )
        };
        let json = request(&format!(
            "POST / HTTP/1.1\r\n{}X-Amz-Target: AmazonSSM.DescribeParameters\r\nContent-Length: 2\r\n\r\n{{}}",
            auth("ssm")
        ));
        assert_eq!(identify(&json).service, "ssm");
        assert_eq!(identify(&json).operation, "DescribeParameters");

        let body = "Action=ListRoles&Version=2010-05-08";
        let query = request(&format!(
            "POST / HTTP/1.1\r\n{}Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
            auth("iam"),
            body.len()
        ));
        assert_eq!((identify(&query).service.as_str(), identify(&query).operation.as_str()), ("iam", "ListRoles"));

        let rest = request(&format!("GET /bucket?policy HTTP/1.1\r\n{}\r\n", auth("s3")));
        let info = identify(&rest);
        assert_eq!((info.operation.as_str(), info.is_rest()), ("GET /bucket?policy", true));

        let control =
            request(&format!("GET /v20180820/configuration/publicAccessBlock HTTP/1.1\r\n{}\r\n", auth("s3")));
        assert_eq!(identify(&control).service, "s3control");
    }

    #[test]
    fn decodes_chunked_bodies() {
        let r = request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nAct=\r\n3;x=y\r\nabc\r\n0\r\n\r\n");
        assert_eq!(r.body, b"Act=abc");
    }

    #[test]
    fn rules_run_out() {
        let shared = Shared {
            upstream: ([127, 0, 0, 1], 9).into(),
            rules: Mutex::new(vec![RuleState { rule: Rule::always("iam", Fault::Garbage).times(1), fired: 0 }]),
            seen: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
        };
        let info = RequestInfo {
            service: "iam".into(),
            operation: "ListRoles".into(),
            method: "POST".into(),
            path: "/".into(),
            body: "Action=ListRoles".into(),
        };
        assert!(fault_for(&shared, &info).is_some());
        assert!(fault_for(&shared, &info).is_none());
    }

    /// One request through a live proxy; the whole answer as text.
    fn send(proxy: &FaultProxy, raw: &str) -> String {
        let mut stream = TcpStream::connect(proxy.addr).expect("connect to the proxy");
        stream.write_all(raw.as_bytes()).expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("the proxy answers and closes");
        answer
    }

    #[test]
    fn forwards_with_connection_close_and_answers_faults() {
        // An upstream that answers one request with keep-alive, whatever it was.
        let upstream = TcpListener::bind("127.0.0.1:0").expect("bind a fake upstream");
        let upstream_addr = upstream.local_addr().expect("its address");
        let server = std::thread::spawn(move || {
            let (stream, _) = upstream.accept().expect("accept");
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let request = read_request(&mut reader).expect("a request").expect("not empty");
            let mut stream = stream;
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}")
                .expect("answer");
            request.header("connection").map(str::to_string)
        });

        let auth = "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00";
        let rule =
            Rule::on("kms", "ListAliases", Fault::Error { status: 500, code: "KMSInternalException", message: "boom" });
        let proxy = FaultProxy::start(&format!("http://{upstream_addr}"), vec![rule]);

        let faulted =
            send(&proxy, &format!("POST / HTTP/1.1\r\n{auth}\r\nX-Amz-Target: TrentService.ListAliases\r\n\r\n"));
        assert!(faulted.starts_with("HTTP/1.1 500 "), "{faulted}");
        assert!(faulted.contains("x-amzn-ErrorType: KMSInternalException\r\n"), "{faulted}");
        assert!(faulted.ends_with(r#"{"__type":"KMSInternalException","message":"boom"}"#), "{faulted}");

        let forwarded = send(
            &proxy,
            &format!(
                "POST / HTTP/1.1\r\n{auth}\r\nX-Amz-Target: TrentService.ListKeys\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{{}}"
            ),
        );
        assert!(forwarded.starts_with("HTTP/1.1 200 OK\r\n") && forwarded.ends_with("\r\n\r\n{}"), "{forwarded}");
        assert!(forwarded.contains("Connection: close\r\n") && !forwarded.contains("keep-alive"), "{forwarded}");
        assert_eq!(server.join().expect("the fake upstream").as_deref(), Some("close"));

        let seen: Vec<_> = proxy.requests().into_iter().map(|r| r.operation).collect();
        assert_eq!(seen, ["ListAliases", "ListKeys"]);
        // Dropping joins the accept thread; this returns only if the loop ends.
        drop(proxy);
    }
}
