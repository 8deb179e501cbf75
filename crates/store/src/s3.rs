//! Files in an S3-compatible object store (MinIO, Ceph RGW, a government cloud's object storage, AWS S3), for
//! deployments with several instances of the server, through the `object_store` crate (Apache Arrow's):
//! Signature Version 4, retries with back-off, HTTPS with the system's roots, or plain HTTP on an internal
//! network when the endpoint says `http://`. Objects are addressed path-style
//! (`{endpoint}/{bucket}/{YYYYMMDD}/{id}`), which every S3-compatible store accepts.
//!
//! The bucket is the operator's to create; objects are never deleted by the application (ADR 0012).

use crate::files::{FileError, FileStore};
use async_trait::async_trait;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};

/// Where the object store is and how to sign for it.
#[derive(Clone)]
pub struct S3Config {
    /// e.g. `https://oss.example.gov.cn` or `http://10.1.2.3:9000`
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
    store: AmazonS3,
}

fn invalid(message: &str) -> FileError {
    FileError::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, message.to_string()))
}

/// An object store failure, without the request (whose headers carry the signature) or the key.
fn unavailable(error: object_store::Error) -> FileError {
    let message = match &error {
        object_store::Error::Generic { source, .. } => format!("the object store refused or failed: {source}"),
        other => format!("the object store failed: {other}"),
    };
    FileError::Io(std::io::Error::other(message))
}

impl S3Files {
    pub fn new(config: S3Config) -> Result<Self, FileError> {
        let endpoint = config.endpoint.trim_end_matches('/');
        let plain = endpoint.starts_with("http://");
        if !plain && !endpoint.starts_with("https://") {
            return Err(invalid("the S3 endpoint must start with https:// (or http:// on an internal network)"));
        }
        let bucket_valid = (3..=63).contains(&config.bucket.len())
            && config.bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_valid {
            return Err(invalid("the S3 bucket name must be 3–63 lower-case letters, digits, '-' or '.'"));
        }
        if config.access_key.is_empty() || config.secret_key.is_empty() || config.region.is_empty() {
            return Err(invalid("the S3 access key, secret key and region must all be set"));
        }
        let store = AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_allow_http(plain)
            .with_virtual_hosted_style_request(false)
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key)
            .with_secret_access_key(&config.secret_key)
            .build()
            .map_err(|error| invalid(&format!("the S3 configuration is not usable: {error}")))?;
        Ok(Self { store })
    }

    fn path(id: &str) -> Result<Path, FileError> {
        let valid = id.len() == 40
            && id.bytes().take(8).all(|b| b.is_ascii_digit())
            && id.bytes().skip(8).all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        if !valid {
            return Err(FileError::BadId);
        }
        Ok(Path::from(format!("{}/{id}", &id[..8])))
    }
}

#[async_trait]
impl FileStore for S3Files {
    /// An S3 PUT is answered only once the object is stored durably, so its success is the same promise as a
    /// flush.
    async fn put(&self, bytes: Vec<u8>) -> Result<String, FileError> {
        let id = format!("{}{}", chrono::Utc::now().format("%Y%m%d"), uuid::Uuid::new_v4().simple());
        self.store.put(&Self::path(&id)?, PutPayload::from(bytes)).await.map_err(unavailable)?;
        Ok(id)
    }

    async fn get(&self, id: &str) -> Result<Vec<u8>, FileError> {
        match self.store.get(&Self::path(id)?).await {
            Ok(result) => Ok(result.bytes().await.map_err(unavailable)?.to_vec()),
            Err(object_store::Error::NotFound { .. }) => Err(FileError::NotFound),
            Err(error) => Err(unavailable(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> S3Config {
        S3Config {
            endpoint: "http://127.0.0.1:9".into(),
            bucket: "onetrip-files".into(),
            region: "us-east-1".into(),
            access_key: "key".into(),
            secret_key: "secret".into(),
        }
    }

    #[test]
    fn refuses_a_configuration_it_cannot_use() {
        assert!(S3Files::new(good()).is_ok());
        assert!(S3Files::new(S3Config { endpoint: "https://oss.example.gov.cn".into(), ..good() }).is_ok());
        assert!(S3Files::new(S3Config { endpoint: "ftp://host".into(), ..good() }).is_err());
        assert!(S3Files::new(S3Config { bucket: "Bad_Bucket".into(), ..good() }).is_err());
        assert!(S3Files::new(S3Config { secret_key: String::new(), ..good() }).is_err());
        assert!(!format!("{:?}", good()).contains("secret"));
    }

    #[tokio::test]
    async fn ids_are_checked_before_any_request() {
        let files = S3Files::new(good()).expect("config");
        assert!(matches!(files.get("../../etc/passwd").await, Err(FileError::BadId)));
        assert!(matches!(files.get("20261127/../x").await, Err(FileError::BadId)));
    }
}
