//! `jhe-server healthcheck`: asks the server on this machine for `/health` or `/health/ready`, so a container
//! image needs no HTTP client (curl, wget) for its health check.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{Context, bail};

/// How long the probe waits to connect and for the answer. Readiness itself gives up on the database after three
/// seconds, so this leaves it room to answer 503 rather than time out.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Where to reach a server that listens on `bind`: an unspecified address (`0.0.0.0`, `[::]`) is reached on
/// loopback.
pub fn target(bind: SocketAddr) -> SocketAddr {
    match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), bind.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), bind.port()),
        _ => bind,
    }
}

/// GETs `path` from the server at `bind` and succeeds on a 200, returning the body.
pub fn check(bind: SocketAddr, path: &str) -> anyhow::Result<String> {
    let addr = target(bind);
    let mut stream =
        TcpStream::connect_timeout(&addr, TIMEOUT).with_context(|| format!("no server answers on {addr}"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: jhe-server-healthcheck\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .with_context(|| format!("no answer from {addr}{path} within {} s", TIMEOUT.as_secs()))?;
    let response = String::from_utf8_lossy(&response);
    let status: u16 = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("{addr}{path} answered something that is not HTTP"))?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.trim().to_owned())
        .unwrap_or_default();
    if status != 200 {
        bail!("{addr}{path} answered {status}: {body}");
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_addresses_are_probed_on_loopback() {
        assert_eq!(
            target("0.0.0.0:8000".parse().unwrap()),
            "127.0.0.1:8000".parse().unwrap()
        );
        assert_eq!(
            target("[::]:8000".parse().unwrap()),
            "[::1]:8000".parse().unwrap()
        );
        assert_eq!(
            target("10.0.0.5:80".parse().unwrap()),
            "10.0.0.5:80".parse().unwrap()
        );
    }
}
