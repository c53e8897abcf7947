"""Look-ups into the state of LocalStack's own providers.

moto's CloudTrail validates references against moto's S3/SNS backends, but in
LocalStack S3, SNS and KMS are served by LocalStack's native providers whose
state lives in their own stores. These helpers read those stores instead.
They only read: a service that has not been loaded yet simply has empty
stores, which is the right answer (nothing was created in it).
"""

from __future__ import annotations


def _split_arn(arn: str) -> tuple[str, str, str]:
    """(region, account, resource) of an ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6:
        raise ValueError(arn)
    return parts[3], parts[4], parts[5]


def bucket_exists(account_id: str, region: str, bucket: str) -> bool:
    from localstack.services.s3.models import s3_stores

    # Bucket names are global across accounts and regions; LocalStack keeps
    # that index as a cross-account attribute, so any store can answer.
    return bucket in s3_stores[account_id][region].global_bucket_map


def sns_topic_arn(account_id: str, region: str, name_or_arn: str) -> str | None:
    """ARN of the topic given by name (this account/region) or ARN, if it exists."""
    from localstack.services.sns.models import sns_stores

    if name_or_arn.startswith("arn:"):
        arn = name_or_arn
        try:
            region, account_id, _ = _split_arn(arn)
        except ValueError:
            return None
    else:
        arn = f"arn:aws:sns:{region}:{account_id}:{name_or_arn}"
    return arn if arn in sns_stores[account_id][region].topics else None


def kms_key_arn(account_id: str, region: str, key_ref: str) -> str | None:
    """ARN of the KMS key that `key_ref` names, or None if there is none.

    CloudTrail accepts a key ID, key ARN, alias name or alias ARN and always
    reports the key's ARN back, so callers store the resolved ARN.
    """
    from localstack.services.kms.models import kms_stores

    if key_ref.startswith("arn:"):
        try:
            region, account_id, resource = _split_arn(key_ref)
        except ValueError:
            return None
    elif key_ref.startswith("alias/"):
        resource = key_ref
    else:
        resource = f"key/{key_ref}"

    store = kms_stores[account_id][region]
    if resource.startswith("alias/"):
        alias = store.aliases.get(resource)
        if alias is None:
            return None
        key = store.keys.get(alias.metadata["TargetKeyId"])
    else:
        key = store.keys.get(resource.removeprefix("key/"))
    return key.metadata["Arn"] if key is not None else None
