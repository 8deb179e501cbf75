#!/usr/bin/env bash
# Starts an S3-compatible object store for the file-storage tests (moto's server, from PyPI, which checks
# Signature Version 4 like the real thing), makes an access key and a bucket, and prints the environment the
# tests read. Usage: eval "$(scripts/s3-test-server.sh [PORT])"
set -euo pipefail
port="${1:-9321}"
if ! command -v moto_server >/dev/null 2>&1; then
  python3 -m pip install -q --disable-pip-version-check "moto[server]==5.*" >&2
fi
# A fresh server each time: it keeps everything in memory.
pkill -f "moto_server -H 127.0.0.1 -p $port" >/dev/null 2>&1 || true
sleep 0.3
# The first three requests (make a user, its key and its policy) are let through unsigned; every later one
# must carry a valid signature by a key with a policy that allows it. (Probing it with a request would use one
# of the three, hence the bare TCP connect.)
INITIAL_NO_AUTH_ACTION_COUNT=3 nohup moto_server -H 127.0.0.1 -p "$port" >/tmp/onetrip-s3-test-server.log 2>&1 &
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
python3 - "$port" <<'PY'
import json, sys, boto3
endpoint = f"http://127.0.0.1:{sys.argv[1]}"
common = dict(endpoint_url=endpoint, region_name="us-east-1")
iam = boto3.client("iam", aws_access_key_id="setup", aws_secret_access_key="setup", **common)
iam.create_user(UserName="onetrip")
key = iam.create_access_key(UserName="onetrip")["AccessKey"]
iam.put_user_policy(UserName="onetrip", PolicyName="files", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
s3 = boto3.client("s3", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], **common)
s3.create_bucket(Bucket="onetrip-files")
print(f"export ONETRIP_TEST_S3_ENDPOINT={endpoint}")
print("export ONETRIP_TEST_S3_BUCKET=onetrip-files")
print(f"export ONETRIP_TEST_S3_ACCESS_KEY={key['AccessKeyId']}")
print(f"export ONETRIP_TEST_S3_SECRET_KEY={key['SecretAccessKey']}")
PY
