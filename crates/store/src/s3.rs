//! Files in an S3-compatible object store (MinIO, Ceph RGW, a government cloud's object storage, AWS S3), for
//! deployments with several instances of the server. Requests are signed with AWS Signature Version 4 and
//! addressed path-style (`{endpoint}/{bucket}/{key}`), which every S3-compatible store accepts.
//!
//! The endpoint is plain HTTP: such stores sit on the centre's internal network, or behind a local TLS proxy
//! (ADR 0012). The bucket is the operator's to create; objects are never deleted by the application.

use crate::files::{FileError, FileStore};
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use sha2::{Digest, Sha256};

/// Where the object store is and how to sign for it.
#[derive(Clone)]
pub struct S3Config {
    /// e.g. `http://10.1.2.3:9000`
    pub endpoint: String,
    pub bucket: String,
    /// e.g. `us-east-1`, which most S3-compatible stores accept whatever their location.
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
}

impl std::fmt::Debug for S3Config {
    /// Never prints the secret key.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .finish()
    }
}

pub struct S3Files {
    config: S3Config,
    /// `host[:port]` of the endpoint, as signed and sent.
    authority: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// Objects bigger than this are refused on reading (the web layer already refuses such uploads).
const READ_AT_MOST: usize = 64 * 1024 * 1024;

impl S3Files {
    pub fn new(config: S3Config) -> Result<Self, FileError> {
        let authority = config
            .endpoint
            .strip_prefix("http://")
            .ok_or_else(|| invalid("the S3 endpoint must start with http:// (put TLS in front of it on the host)"))?
            .trim_end_matches('/')
            .to_string();
        if authority.is_empty() || authority.contains('/') {
            return Err(invalid("the S3 endpoint must be http://host[:port] with no path"));
        }
        let bucket_valid = (3..=63).contains(&config.bucket.len())
            && config.bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_valid {
            return Err(invalid("the S3 bucket name must be 3–63 lower-case letters, digits, '-' or '.'"));
        }
        if config.access_key.is_empty() || config.secret_key.is_empty() || config.region.is_empty() {
            return Err(invalid("the S3 access key, secret key and region must all be set"));
        }
        let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        Ok(Self { config, authority, client })
    }

    fn key_path(&self, id: &str) -> Result<String, FileError> {
        let valid = id.len() == 40
            && id.bytes().take(8).all(|b| b.is_ascii_digit())
            && id.bytes().skip(8).all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        if !valid {
            return Err(FileError::BadId);
        }
        Ok(format!("/{}/{}/{id}", self.config.bucket, &id[..8]))
    }

    async fn send(&self, method: &str, path: &str, body: Vec<u8>) -> Result<(u16, Vec<u8>), FileError> {
        let payload_hash = hex(&Sha256::digest(&body));
        let now = chrono::Utc::now();
        let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
        let headers = [
            ("host", self.authority.clone()),
            ("x-amz-content-sha256", payload_hash.clone()),
            ("x-amz-date", amz_date.clone()),
        ];
        let signed = Signing {
            method,
            path,
            query: "",
            headers: &headers,
            payload_hash: &payload_hash,
            amz_date: &amz_date,
            region: &self.config.region,
            access_key: &self.config.access_key,
            secret_key: &self.config.secret_key,
        };
        let request = hyper::Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.authority))
            .header("host", &self.authority)
            .header("x-amz-content-sha256", &payload_hash)
            .header("x-amz-date", &amz_date)
            .header("authorization", signed.authorization())
            .header("content-length", body.len())
            .body(Full::new(Bytes::from(body)))
            .map_err(|error| invalid(&error.to_string()))?;
        let response = tokio::time::timeout(std::time::Duration::from_secs(30), self.client.request(request))
            .await
            .map_err(|_| unavailable("the object store did not answer within 30 s"))?
            .map_err(|error| unavailable(&format!("cannot reach the object store: {error}")))?;
        let status = response.status().as_u16();
        let limited = http_body_util::Limited::new(response.into_body(), READ_AT_MOST);
        let bytes = limited
            .collect()
            .await
            .map_err(|error| unavailable(&format!("reading from the object store: {error}")))?
            .to_bytes();
        Ok((status, bytes.to_vec()))
    }
}

fn invalid(message: &str) -> FileError {
    FileError::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, message.to_string()))
}

fn unavailable(message: &str) -> FileError {
    FileError::Io(std::io::Error::other(message.to_string()))
}

/// The S3 error code of a refused request (`<Code>AccessDenied</Code>`), for the log and the message.
fn refusal(status: u16, body: &[u8]) -> FileError {
    let text = String::from_utf8_lossy(body);
    let code = text
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| code.chars().filter(char::is_ascii_alphanumeric).take(64).collect::<String>())
        .unwrap_or_default();
    unavailable(&format!("the object store refused the request: HTTP {status} {code}"))
}

#[async_trait]
impl FileStore for S3Files {
    /// An S3 PUT is answered only once the object is stored durably, so a 200 is the same promise as a flush.
    async fn put(&self, bytes: Vec<u8>) -> Result<String, FileError> {
        let id = format!("{}{}", chrono::Utc::now().format("%Y%m%d"), uuid::Uuid::new_v4().simple());
        let path = self.key_path(&id)?;
        let (status, body) = self.send("PUT", &path, bytes).await?;
        if status != 200 {
            return Err(refusal(status, &body));
        }
        Ok(id)
    }

    async fn get(&self, id: &str) -> Result<Vec<u8>, FileError> {
        let path = self.key_path(id)?;
        match self.send("GET", &path, Vec::new()).await? {
            (200, body) => Ok(body),
            (404, _) => Err(FileError::NotFound),
            (status, body) => Err(refusal(status, &body)),
        }
    }
}

/// One request to sign with AWS Signature Version 4. `headers` are the signed headers, names in lower case.
struct Signing<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: &'a [(&'a str, String)],
    payload_hash: &'a str,
    amz_date: &'a str,
    region: &'a str,
    access_key: &'a str,
    secret_key: &'a str,
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key"));
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl Signing<'_> {
    fn scope(&self) -> String {
        format!("{}/{}/s3/aws4_request", &self.amz_date[..8], self.region)
    }

    fn signed_headers(&self) -> String {
        let mut names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.join(";")
    }

    fn canonical_request(&self) -> String {
        let mut headers: Vec<&(&str, String)> = self.headers.iter().collect();
        headers.sort_by_key(|(name, _)| *name);
        let canonical_headers: String =
            headers.iter().map(|(name, value)| format!("{name}:{}\n", value.trim())).collect();
        format!(
            "{}\n{}\n{}\n{canonical_headers}\n{}\n{}",
            self.method,
            self.path,
            self.query,
            self.signed_headers(),
            self.payload_hash
        )
    }

    fn signature(&self) -> String {
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{}\n{}\n{}",
            self.amz_date,
            self.scope(),
            hex(&Sha256::digest(self.canonical_request().as_bytes()))
        );
        let date_key = hmac(format!("AWS4{}", self.secret_key).as_bytes(), &self.amz_date.as_bytes()[..8]);
        let region_key = hmac(&date_key, self.region.as_bytes());
        let service_key = hmac(&region_key, b"s3");
        let signing_key = hmac(&service_key, b"aws4_request");
        hex(&hmac(&signing_key, string_to_sign.as_bytes()))
    }

    fn authorization(&self) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{},SignedHeaders={},Signature={}",
            self.access_key,
            self.scope(),
            self.signed_headers(),
            self.signature()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "GET Object" example of Amazon's documentation for Signature Version 4 in the S3 API reference
    /// (docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html), with its published key pair
    /// and signature.
    #[test]
    fn signs_amazons_published_get_object_example() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let headers = [
            ("host", "examplebucket.s3.amazonaws.com".to_string()),
            ("range", "bytes=0-9".to_string()),
            ("x-amz-content-sha256", empty.to_string()),
            ("x-amz-date", "20130524T000000Z".to_string()),
        ];
        let signing = Signing {
            method: "GET",
            path: "/test.txt",
            query: "",
            headers: &headers,
            payload_hash: empty,
            amz_date: "20130524T000000Z",
            region: "us-east-1",
            access_key: "AKIAIOSFODNN7EXAMPLE",
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        };
        assert_eq!(
            hex(&Sha256::digest(signing.canonical_request().as_bytes())),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
        );
        assert_eq!(
            signing.authorization(),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn refuses_a_configuration_it_cannot_use() {
        let good = S3Config {
            endpoint: "http://127.0.0.1:9000".into(),
            bucket: "onetrip-files".into(),
            region: "us-east-1".into(),
            access_key: "key".into(),
            secret_key: "secret".into(),
        };
        assert!(S3Files::new(good.clone()).is_ok());
        assert!(S3Files::new(S3Config { endpoint: "https://s3.example.com".into(), ..good.clone() }).is_err());
        assert!(S3Files::new(S3Config { endpoint: "http://host/path".into(), ..good.clone() }).is_err());
        assert!(S3Files::new(S3Config { bucket: "Bad_Bucket".into(), ..good.clone() }).is_err());
        assert!(S3Files::new(S3Config { secret_key: String::new(), ..good.clone() }).is_err());
        assert!(!format!("{good:?}").contains("secret"));
    }

    #[tokio::test]
    async fn ids_are_checked_before_any_request() {
        let files = S3Files::new(S3Config {
            endpoint: "http://127.0.0.1:9".into(),
            bucket: "onetrip-files".into(),
            region: "us-east-1".into(),
            access_key: "key".into(),
            secret_key: "secret".into(),
        })
        .expect("config");
        assert!(matches!(files.get("../../etc/passwd").await, Err(FileError::BadId)));
        assert!(matches!(files.get("20261127/../x").await, Err(FileError::BadId)));
    }
}
