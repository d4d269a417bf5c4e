//! Keeping webhooks off our own network (SSRF): an endpoint URL must be http(s) — https unless its host
//! is allow-listed — and every address it resolves to is checked when the endpoint is saved and again
//! at each delivery, which then connects only to the address it checked. Pure functions, table-tested.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Hosts, single addresses and CIDR blocks that may be reached although private (`allow_private_networks`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AllowList {
    hosts: Vec<String>,
    nets: Vec<(IpAddr, u8)>,
}

impl AllowList {
    pub fn parse(entries: &[String]) -> Result<AllowList, String> {
        let mut list = AllowList::default();
        for raw in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            let bad = |why: &str| format!("allow_private_networks entry {raw:?} {why}");
            if let Some((addr, bits)) = raw.split_once('/') {
                let ip: IpAddr = addr.parse().map_err(|_| bad("is not an address/prefix"))?;
                let bits: u8 = bits.parse().map_err(|_| bad("has no valid prefix length"))?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                if bits > max {
                    return Err(bad(&format!("has a prefix longer than {max} bits")));
                }
                list.nets.push((ip, bits));
            } else if let Ok(ip) = raw.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
                list.nets.push((ip, if ip.is_ipv4() { 32 } else { 128 }));
            } else if raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
                list.hosts.push(raw.to_ascii_lowercase());
            } else {
                return Err(bad("is neither a host name, an address nor a CIDR block"));
            }
        }
        Ok(list)
    }

    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        self.hosts.contains(&host) || host.parse::<IpAddr>().is_ok_and(|ip| self.allows_ip(ip))
    }

    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|(net, bits)| in_net(ip, canonical(*net), *bits))
    }
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits as u32) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits as u32) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is checked as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Why a webhook must not go to `ip`, or `None` when it is a public address.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) {
        Some("the cloud metadata address")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private (RFC 1918) address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a carrier-grade NAT address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if ip.is_broadcast() || a >= 240 {
        Some("a reserved address")
    } else if a == 192 && b == 0 && ip.octets()[2] == 0 {
        Some("a reserved (IETF protocol) address")
    } else if a == 198 && (18..20).contains(&b) {
        Some("a benchmarking address")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_unspecified() {
        Some("an unspecified address")
    } else if ip.is_loopback() {
        Some("a loopback address")
    } else if first & 0xfe00 == 0xfc00 {
        Some("a unique-local address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if ip.to_ipv4().is_some() && first == 0 {
        // IPv4-compatible (deprecated) addresses: ::a.b.c.d
        Some("an IPv4-compatible address")
    } else if first == 0x0064 && ip.segments()[1] == 0xff9b {
        // NAT64 (64:ff9b::/96) reaches whatever IPv4 address it embeds: judge that one.
        let [.., c, d] = ip.segments();
        forbidden_v4(Ipv4Addr::new((c >> 8) as u8, c as u8, (d >> 8) as u8, d as u8))
    } else {
        None
    }
}

/// Why `ip` may not be reached under `allow`, or `None` when it may.
pub fn refused(ip: IpAddr, allow: &AllowList) -> Option<&'static str> {
    if allow.allows_ip(ip) {
        return None;
    }
    forbidden_reason(ip)
}

/// A URL fit to be an endpoint, before any DNS lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub url: url::Url,
    pub host: String,
    pub port: u16,
    /// The host as an address, when the URL names one.
    pub ip: Option<IpAddr>,
}

/// Checks an endpoint URL as written: scheme, host, no credentials, https unless allow-listed, and an
/// address literal must be public (or allow-listed). The message says what to change.
pub fn check_url(raw: &str, allow: &AllowList) -> Result<Target, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Enter the URL that will receive the webhooks.".into());
    }
    if raw.len() > 2000 {
        return Err("Keep the URL under 2000 characters.".into());
    }
    let url = url::Url::parse(raw).map_err(|e| format!("This is not a valid URL ({e})."))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("Use an https:// URL.".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Leave user names and passwords out of the URL: verify the webhook signature instead.".into());
    }
    if url.fragment().is_some() {
        return Err("Leave the #fragment out of the URL.".into());
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err("The URL needs a host.".into()),
    };
    let allowed_host = allow.allows_host(&host);
    if url.scheme() == "http" && !allowed_host {
        return Err("Use https://: webhooks are only sent in the clear to allow-listed hosts.".into());
    }
    let ip = host.parse::<IpAddr>().ok();
    if let Some(ip) = ip {
        if let Some(reason) = refused(ip, allow) {
            return Err(format!("{host} is {reason}; webhooks only go to public addresses."));
        }
    } else if !allowed_host && (host == "localhost" || host.ends_with(".localhost") || !host.contains('.')) {
        return Err(format!("{host} is not a public host name; webhooks only go to public addresses."));
    }
    let port = url.port_or_known_default().unwrap_or(443);
    Ok(Target { url, host, port, ip })
}

/// The first address of `resolved` that may be reached; otherwise why none may.
pub fn pick_address(host: &str, resolved: &[SocketAddr], allow: &AllowList) -> Result<SocketAddr, String> {
    if resolved.is_empty() {
        return Err(format!("{host} does not resolve to any address"));
    }
    if allow.allows_host(host) {
        return Ok(resolved[0]);
    }
    let mut why = None;
    for addr in resolved {
        match refused(addr.ip(), allow) {
            None => return Ok(*addr),
            Some(reason) => why = why.or(Some((addr.ip(), reason))),
        }
    }
    let (ip, reason) = why.expect("a refused address was seen");
    Err(format!("{host} resolves to {ip}, {reason}; webhooks only go to public addresses"))
}

/// Resolves the target's host and picks the address to connect to (the check at delivery time).
pub async fn resolve(target: &Target, allow: &AllowList) -> Result<SocketAddr, String> {
    if let Some(ip) = target.ip {
        return match refused(ip, allow) {
            None => Ok(SocketAddr::new(ip, target.port)),
            Some(reason) => Err(format!("{ip} is {reason}; webhooks only go to public addresses")),
        };
    }
    let resolved: Vec<SocketAddr> = tokio::net::lookup_host((target.host.as_str(), target.port))
        .await
        .map_err(|e| format!("cannot resolve {}: {e}", target.host))?
        .collect();
    pick_address(&target.host, &resolved, allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(entries: &[&str]) -> AllowList {
        AllowList::parse(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn addresses_that_must_not_be_reached() {
        let cases: &[(&str, Option<&str>)] = &[
            ("127.0.0.1", Some("a loopback address")),
            ("127.8.9.10", Some("a loopback address")),
            ("10.1.2.3", Some("a private (RFC 1918) address")),
            ("172.16.0.1", Some("a private (RFC 1918) address")),
            ("172.31.255.255", Some("a private (RFC 1918) address")),
            ("192.168.1.1", Some("a private (RFC 1918) address")),
            ("169.254.169.254", Some("the cloud metadata address")),
            ("169.254.1.1", Some("a link-local address")),
            ("100.64.0.1", Some("a carrier-grade NAT address")),
            ("100.127.255.255", Some("a carrier-grade NAT address")),
            ("0.0.0.0", Some("an unspecified address")),
            ("224.0.0.1", Some("a multicast address")),
            ("255.255.255.255", Some("a reserved address")),
            ("::1", Some("a loopback address")),
            ("::", Some("an unspecified address")),
            ("fc00::1", Some("a unique-local address")),
            ("fd12:3456::1", Some("a unique-local address")),
            ("fe80::1", Some("a link-local address")),
            ("ff02::1", Some("a multicast address")),
            ("::ffff:10.0.0.1", Some("a private (RFC 1918) address")),
            ("::ffff:169.254.169.254", Some("the cloud metadata address")),
            ("64:ff9b::7f00:1", Some("a loopback address")),
            // Public addresses pass.
            ("8.8.8.8", None),
            ("172.32.0.1", None),
            ("100.128.0.1", None),
            ("1.1.1.1", None),
            ("2606:4700:4700::1111", None),
            ("::ffff:8.8.8.8", None),
        ];
        for (ip, want) in cases {
            assert_eq!(forbidden_reason(ip.parse().unwrap()), *want, "{ip}");
        }
    }

    #[test]
    fn the_allow_list_opens_named_hosts_addresses_and_blocks() {
        let list = allow(&["127.0.0.1", "10.20.0.0/16", "::1/128", "Hooks.Internal"]);
        let cases: &[(&str, bool)] = &[
            ("127.0.0.1", true),
            ("127.0.0.2", false),
            ("10.20.3.4", true),
            ("10.21.0.1", false),
            ("::1", true),
            ("::ffff:127.0.0.1", true),
            ("192.168.0.1", false),
        ];
        for (ip, allowed) in cases {
            assert_eq!(refused(ip.parse().unwrap(), &list).is_none(), *allowed, "{ip}");
        }
        assert!(list.allows_host("hooks.internal"));
        assert!(list.allows_host("[::1]"));
        assert!(!list.allows_host("example.com"));
        for bad in ["10.0.0.0/33", "::/129", "not a host!", "1.2.3.4/x"] {
            assert!(AllowList::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn endpoint_urls_are_checked_as_written() {
        let none = AllowList::default();
        let local = allow(&["127.0.0.1", "hooks.internal"]);
        let cases: &[(&str, &AllowList, Result<(), &str>)] = &[
            ("https://hooks.example.com/in", &none, Ok(())),
            ("https://8.8.8.8:8443/x", &none, Ok(())),
            ("http://hooks.example.com/in", &none, Err("Use https://")),
            ("ftp://hooks.example.com/in", &none, Err("Use an https:// URL")),
            ("https://user:pw@hooks.example.com/", &none, Err("user names and passwords")),
            ("https://127.0.0.1/x", &none, Err("loopback")),
            ("https://[::1]/x", &none, Err("loopback")),
            ("https://169.254.169.254/latest/meta-data", &none, Err("metadata")),
            ("https://10.0.0.8/x", &none, Err("private")),
            ("https://localhost/x", &none, Err("not a public host name")),
            ("https://intranet/x", &none, Err("not a public host name")),
            ("not a url", &none, Err("not a valid URL")),
            ("", &none, Err("Enter the URL")),
            ("http://127.0.0.1:9000/hook", &local, Ok(())),
            ("http://hooks.internal/hook", &local, Ok(())),
            ("http://10.0.0.1/hook", &local, Err("Use https://")),
        ];
        for (url, list, want) in cases {
            match (check_url(url, list), want) {
                (Ok(_), Ok(())) => {}
                (Err(got), Err(part)) => assert!(got.contains(part), "{url}: {got}"),
                (got, want) => panic!("{url}: got {got:?}, want {want:?}"),
            }
        }
        let t = check_url("https://Hooks.Example.com/in?a=1", &none).unwrap();
        assert_eq!((t.host.as_str(), t.port, t.ip), ("hooks.example.com", 443, None));
    }

    #[test]
    fn only_checked_addresses_are_picked() {
        let none = AllowList::default();
        let public: SocketAddr = "93.184.216.34:443".parse().unwrap();
        let private: SocketAddr = "10.0.0.1:443".parse().unwrap();
        assert_eq!(pick_address("h.example", &[private, public], &none), Ok(public));
        let err = pick_address("h.example", &[private], &none).unwrap_err();
        assert!(err.contains("resolves to 10.0.0.1") && err.contains("private"), "{err}");
        assert!(pick_address("h.example", &[], &none).is_err());
        assert_eq!(pick_address("h.example", &[private], &allow(&["10.0.0.0/8"])), Ok(private));
    }
}
