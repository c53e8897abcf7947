# Applies examples/basic against LocalStack and checks what it built.
# After the last run, `terraform test` destroys it; scripts/acceptance.sh then
# checks that nothing of it is left in LocalStack.

variables {
  name              = "tftest-basic"
  s3_use_path_style = true
  alert_queue_arns  = ["arn:aws:sqs:us-east-1:000000000000:tftest-basic-alerts"]
}

run "create" {
  module {
    source = "../examples/basic"
  }

  assert {
    condition     = output.trail_logging == true
    error_message = "the trail must be logging after create"
  }
  assert {
    condition     = startswith(output.trail_arn, "arn:aws:cloudtrail:us-east-1:000000000000:trail/tftest-basic")
    error_message = "unexpected trail ARN ${output.trail_arn}"
  }
  assert {
    condition     = startswith(output.kms_key_arn, "arn:aws:kms:us-east-1:000000000000:key/")
    error_message = "a KMS key must be created"
  }
  assert {
    condition     = output.archive_bucket_name == "tftest-basic-archive-000000000000-us-east-1"
    error_message = "unexpected archive bucket ${output.archive_bucket_name}"
  }
  assert {
    condition     = output.log_group_name == "/secretmonitor/tftest-basic/cloudtrail"
    error_message = "unexpected log group ${output.log_group_name}"
  }
  assert {
    condition     = endswith(output.alarm_arn, ":alarm:tftest-basic-secret-access")
    error_message = "the alarm must exist and notify the topic"
  }
  assert {
    condition     = endswith(output.topic_arn, ":tftest-basic-alerts")
    error_message = "unexpected topic ${output.topic_arn}"
  }
  assert {
    condition     = length(output.subscriptions) == 2
    error_message = "expected an email and an SQS subscription"
  }
  assert {
    condition     = strcontains(output.filter_pattern, "secretsmanager.amazonaws.com") && strcontains(output.filter_pattern, "prod/*")
    error_message = "the filter pattern must watch Secrets Manager reads of prod/*"
  }
  assert {
    condition     = output.tags_all["team"] == "security" && output.tags_all["managed-by"] == "terraform"
    error_message = "pipeline tags must be merged over default_tags"
  }
  assert {
    condition     = startswith(output.delivery_role_arn, "arn:aws:iam::000000000000:role/tftest-basic-")
    error_message = "the delivery role must exist"
  }
}

run "update_in_place" {
  module {
    source = "../examples/basic"
  }

  variables {
    retention_days = 30
    secrets        = ["prod/*", "payments/api-key"]
  }

  assert {
    condition     = output.retention_days == 30
    error_message = "retention must change in place"
  }
  assert {
    condition     = strcontains(output.filter_pattern, "payments/api-key")
    error_message = "the filter pattern must follow the secrets list"
  }
  assert {
    condition     = output.trail_logging == true
    error_message = "the trail must still be logging"
  }
}

# The provider's functions let module authors assert detection behaviour:
# here on the pattern the pipeline actually stored.
run "detects_unknown_reads_and_ignores_allowed_ones" {
  module {
    source = "../examples/basic"
  }

  assert {
    condition = provider::secretmonitor::pattern_matches(output.filter_pattern, jsonencode({
      eventSource       = "secretsmanager.amazonaws.com"
      eventName         = "GetSecretValue"
      userIdentity      = { type = "IAMUser", arn = "arn:aws:iam::000000000000:user/mallory", accountId = "000000000000" }
      requestParameters = { secretId = "prod/db-password" }
    }))
    error_message = "an unknown user reading prod/db-password must count"
  }
  assert {
    condition = !provider::secretmonitor::pattern_matches(output.filter_pattern, jsonencode({
      eventSource       = "secretsmanager.amazonaws.com"
      eventName         = "GetSecretValue"
      userIdentity      = { type = "AssumedRole", arn = "arn:aws:sts::000000000000:assumed-role/app-prod/i-0abc", accountId = "000000000000" }
      requestParameters = { secretId = "prod/db-password" }
    }))
    error_message = "the allowed role must not count, whatever its session"
  }
  assert {
    condition = !provider::secretmonitor::pattern_matches(output.filter_pattern, jsonencode({
      eventSource       = "secretsmanager.amazonaws.com"
      eventName         = "GetSecretValue"
      userIdentity      = { type = "IAMUser", arn = "arn:aws:iam::000000000000:user/mallory", accountId = "000000000000" }
      requestParameters = { secretId = "staging/db-password" }
    }))
    error_message = "a secret outside the scope must not count"
  }
  assert {
    condition     = output.filter_pattern == provider::secretmonitor::filter_pattern(["prod/*"], ["arn:aws:iam::000000000000:role/app-prod"], [], true)
    error_message = "filter_pattern() must return what the resource uses"
  }
}
