//! AWS identifiers and the names that go into them: ARNs, partitions,
//! regions, account IDs, KMS keys, SQS queues, S3 buckets, log groups, e-mail
//! addresses and HTTPS endpoints. Pure and shared: the validator and the
//! pattern generator read the same partition list and the same account-ID
//! check, so an ARN one accepts the other cannot refuse for its frame.
//!
//! The `*_problem` functions return what is wrong, worded to follow the
//! value in a diagnostic (`name = "x": <problem>.`), or `None` when valid.

/// Every AWS partition an ARN can name.
pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// Whether `s` is one of [`PARTITIONS`].
pub fn is_partition(s: &str) -> bool {
    PARTITIONS.contains(&s)
}

/// Exactly 12 ASCII digits (leading zeros kept: account IDs are strings).
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `us-east-1`, `us-gov-west-1`, `ap-southeast-2`, `cn-north-1`, `eu-central-2`.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    parts.len() >= 3
        && parts[0].len() == 2
        && words
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The parts of `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, borrowed
/// from the text; nothing is checked but the shape (see [`Arn::frame_problem`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    /// Empty for global services (IAM).
    pub region: &'a str,
    /// Empty for some resources (S3 buckets).
    pub account: &'a str,
    /// Everything after the fifth colon, colons included (`secret:NAME-AbCdEf`).
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits an ARN into its six parts; `None` when it has fewer.
    pub fn parse(s: &'a str) -> Option<Self> {
        let mut parts = s.strip_prefix("arn:")?.splitn(5, ':');
        Some(Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }

    /// The resource's type and the rest, split at the first `/` or `:`
    /// (`role/path/app` → `("role", Some("path/app"))`, `root` → `("root", None)`).
    pub fn resource_type(&self) -> (&'a str, Option<&'a str>) {
        match self.resource.find(['/', ':']) {
            Some(at) => (&self.resource[..at], Some(&self.resource[at + 1..])),
            None => (self.resource, None),
        }
    }

    /// What is wrong with the partition, region and account, if anything.
    pub fn frame_problem(&self) -> Option<String> {
        if !is_partition(self.partition) {
            return Some(format!(
                "{:?} is not an AWS partition (aws, aws-cn, aws-us-gov, ...)",
                self.partition
            ));
        }
        if !is_region(self.region) {
            return Some(format!(
                "{:?} is not a region (such as us-east-1)",
                self.region
            ));
        }
        if !is_account_id(self.account) {
            return Some(format!("{:?} is not a 12-digit account ID", self.account));
        }
        None
    }
}

/// A KMS key ID: a UUID, or `mrk-` and 32 hex digits (multi-Region key).
pub fn is_key_id(id: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(mrk) = id.strip_prefix("mrk-") {
        return hex(mrk, 32);
    }
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5 && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| hex(g, n))
}

/// A KMS key or alias ARN; not a bare ID, an alias name or an AWS managed key.
pub fn kms_problem(value: &str) -> Option<String> {
    if is_key_id(value) {
        return Some(format!(
            "that is a bare key ID; write the key's ARN, arn:aws:kms:REGION:ACCOUNT:key/{value}"
        ));
    }
    if let Some(alias) = value.strip_prefix("alias/") {
        return Some(format!(
            "that is an alias name; write the alias ARN, arn:aws:kms:REGION:ACCOUNT:alias/{alias}"
        ));
    }
    let Some(arn) = Arn::parse(value) else {
        return Some("expected arn:aws:kms:REGION:ACCOUNT:key/KEY_ID or arn:aws:kms:REGION:ACCOUNT:alias/NAME".into());
    };
    if arn.service != "kms" {
        return Some(format!(
            "that is an ARN of {:?}, not of a KMS key or alias",
            arn.service
        ));
    }
    if let Some(problem) = arn.frame_problem() {
        return Some(problem);
    }
    if let Some(id) = arn.resource.strip_prefix("key/") {
        if !is_key_id(id) {
            return Some(format!(
                "{id:?} is not a key ID (a UUID such as 1234abcd-12ab-34cd-56ef-1234567890ab, or mrk- and 32 hex digits)"
            ));
        }
        return None;
    }
    if let Some(name) = arn.resource.strip_prefix("alias/") {
        if name.starts_with("aws/") {
            return Some("that is an AWS managed key, whose policy cannot admit CloudTrail; create a customer managed key or leave key_arn unset".into());
        }
        if name.is_empty()
            || name.len() > 250
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
        {
            return Some(format!(
                "alias name {name:?}: 1 to 250 letters, digits and /_-"
            ));
        }
        return None;
    }
    Some("the resource must be key/KEY_ID or alias/NAME".into())
}

/// A standard SQS queue's ARN; a queue URL gets the ARN to write instead.
pub fn sqs_problem(value: &str) -> Option<String> {
    if let Some(rest) = value
        .strip_prefix("https://sqs.")
        .or_else(|| value.strip_prefix("https://"))
    {
        // A queue URL: https://sqs.REGION.amazonaws.com/ACCOUNT/NAME.
        let parts: Vec<&str> = rest.split('/').collect();
        if let [host, account, queue] = parts[..] {
            let region = host.split('.').next().unwrap_or("REGION");
            return Some(format!(
                "that is a queue URL; write the queue's ARN: arn:aws:sqs:{region}:{account}:{queue}"
            ));
        }
        return Some(
            "that is a URL; write the queue's ARN, arn:aws:sqs:REGION:ACCOUNT:QUEUE".into(),
        );
    }
    let Some(arn) = Arn::parse(value) else {
        return Some("expected arn:aws:sqs:REGION:ACCOUNT:QUEUE".into());
    };
    if arn.service != "sqs" {
        return Some(format!(
            "that is an ARN of {:?}, not of an SQS queue (arn:aws:sqs:REGION:ACCOUNT:QUEUE)",
            arn.service
        ));
    }
    if let Some(problem) = arn.frame_problem() {
        return Some(problem);
    }
    if arn.resource.ends_with(".fifo") {
        return Some("FIFO queues can only subscribe to FIFO topics and the pipeline's topic is a standard one; use a standard queue".into());
    }
    if arn.resource.is_empty()
        || arn.resource.len() > 80
        || !arn
            .resource
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Some(format!(
            "queue name {:?}: 1 to 80 letters, digits, hyphens and underscores",
            arn.resource
        ));
    }
    None
}

/// The group a log group ARN names, with or without CloudTrail's `:*`.
pub fn log_group_name(arn: &str) -> Option<&str> {
    arn.split(":log-group:")
        .nth(1)
        .map(|name| name.trim_end_matches(":*"))
}

/// A CloudWatch Logs group name (the name, not its ARN).
pub fn log_group_problem(name: &str) -> Option<String> {
    if name.starts_with("arn:") {
        let bare = log_group_name(name).unwrap_or("NAME");
        return Some(format!(
            "that is an ARN; write the log group's name: {bare:?}"
        ));
    }
    if name.is_empty() || name.len() > 512 {
        return Some("log group names are 1 to 512 characters".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._/#-".contains(*c)))
    {
        return Some(format!(
            "character {c:?} is not allowed (letters, digits and ._/#- only)"
        ));
    }
    None
}

/// An S3 general purpose bucket name, reserved prefixes and suffixes included.
pub fn bucket_problem(name: &str) -> Option<String> {
    let n = name.len();
    if !(3..=63).contains(&n) {
        return Some(format!("it is {n} characters; S3 allows 3 to 63"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Some(format!(
            "character {c:?} is not allowed (lower-case letters, digits, hyphens and periods only)"
        ));
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Some("it must start and end with a letter or digit".into());
    }
    if name.contains("..") {
        return Some("it contains two adjacent periods".into());
    }
    let octets: Vec<&str> = name.split('.').collect();
    if octets.len() == 4
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && o.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some("it is formatted as an IP address".into());
    }
    for prefix in BUCKET_RESERVED_PREFIXES {
        if name.starts_with(prefix) {
            return Some(format!("the prefix {prefix:?} is reserved by S3"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return Some(format!("the suffix {suffix:?} is reserved by S3"));
        }
    }
    None
}

/// Bucket name prefixes S3 reserves.
pub const BUCKET_RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];

/// An e-mail address as SNS and mail systems accept it (`local@domain.tld`).
pub fn email_problem(email: &str) -> Option<&'static str> {
    if email.starts_with("mailto:") {
        return Some("drop the mailto: prefix");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains white space");
    }
    if email.len() > 254 {
        return Some("addresses are at most 254 characters");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Some("it has no @");
    };
    if domain.contains('@') {
        return Some("it has more than one @");
    }
    if local.is_empty() || local.len() > 64 {
        return Some("the part before @ must be 1 to 64 characters");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Some("the part before @ has a misplaced period");
    }
    if !local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
    {
        return Some("the part before @ has a character mail systems refuse");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let Some(tld) = labels.last().filter(|_| labels.len() >= 2) else {
        return Some("the domain has no top-level domain (such as .com)");
    };
    if labels.iter().any(|l| {
        l.is_empty()
            || l.len() > 63
            || l.starts_with('-')
            || l.ends_with('-')
            || !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    }) {
        return Some("the domain is not a valid host name");
    }
    if tld.len() < 2 || !(tld.bytes().all(|b| b.is_ascii_alphabetic()) || tld.starts_with("xn--")) {
        return Some("the top-level domain is not valid");
    }
    None
}

/// An `https://` URL that names a host.
pub fn https_problem(url: &str) -> Option<String> {
    let Some(rest) = url.strip_prefix("https://") else {
        if url.to_ascii_lowercase().starts_with("http://") {
            return Some("plain http:// is not allowed: alerts are delivered over HTTPS only; serve the endpoint over TLS and write https://".into());
        }
        if url.to_ascii_lowercase().starts_with("https://") {
            return Some("write the scheme in lower case: https://".into());
        }
        return Some("it must start with https://".into());
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains white space; percent-encode it".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return Some("it names no host".into());
    }
    if url.len() > 2048 {
        return Some("URLs are at most 2048 characters".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for ok in ["us-east-1", "us-gov-west-1", "ap-southeast-2", "cn-north-1"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in ["us-east", "useast1", "US-EAST-1", "us--1", "u-east-1", ""] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn arns_split_into_six_parts() {
        let arn = Arn::parse("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf");
        assert_eq!(
            arn,
            Some(Arn {
                partition: "aws",
                service: "secretsmanager",
                region: "us-east-1",
                account: "111122223333",
                resource: "secret:db-AbCdEf",
            })
        );
        assert_eq!(
            arn.map(|a| a.resource_type()),
            Some(("secret", Some("db-AbCdEf")))
        );
        let role = Arn::parse("arn:aws:iam::111122223333:role/path/app");
        assert_eq!(
            role.map(|a| a.resource_type()),
            Some(("role", Some("path/app")))
        );
        assert_eq!(
            Arn::parse("arn:aws:iam::111122223333:root").map(|a| a.resource_type()),
            Some(("root", None))
        );
        for bad in ["arn:aws:iam::111122223333", "aws:iam::1:root", ""] {
            assert_eq!(Arn::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn frames() {
        let frame = |s: &str| Arn::parse(s).and_then(|a| a.frame_problem());
        assert_eq!(
            frame("arn:aws-us-gov:sqs:us-gov-west-1:111122223333:q"),
            None
        );
        for (bad, fragment) in [
            ("arn:awz:sqs:us-east-1:111122223333:q", "partition"),
            ("arn:aws:sqs:useast1:111122223333:q", "region"),
            ("arn:aws:sqs:us-east-1:11112222333:q", "account"),
        ] {
            assert!(frame(bad).is_some_and(|p| p.contains(fragment)), "{bad}");
        }
        assert!(is_account_id("012345678901") && !is_account_id("12345678901"));
        assert!(PARTITIONS.iter().all(|p| is_partition(p)) && !is_partition("aws-foo"));
    }

    #[test]
    fn emails_and_endpoints() {
        for ok in ["a@b.co", "first.last+tag@mail.example.org"] {
            assert_eq!(email_problem(ok), None, "{ok}");
        }
        for bad in [
            "a@b",
            "a@@b.com",
            "a b@c.com",
            ".a@b.com",
            "a@-b.com",
            "mailto:a@b.com",
        ] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
        assert!(https_problem("https://").is_some());
        assert!(https_problem("HTTPS://x.com").is_some());
        assert_eq!(
            https_problem("https://user:pw@hooks.example.com:8443/sns?x=1"),
            None
        );
    }

    #[test]
    fn keys_queues_buckets_and_log_groups() {
        assert!(kms_problem("arn:aws:kms:us-east-1:111122223333:key/not-a-key").is_some());
        assert_eq!(
            kms_problem(
                "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            ),
            None
        );
        assert!(
            sqs_problem("https://sqs.us-east-1.amazonaws.com/111122223333/q")
                .is_some_and(|p| p.contains("arn:aws:sqs:us-east-1:111122223333:q"))
        );
        assert!(bucket_problem("sthree-x").is_some() && bucket_problem("my.audit-1").is_none());
        assert!(log_group_problem("/aws/x").is_none() && log_group_problem("a b").is_some());
    }
}
