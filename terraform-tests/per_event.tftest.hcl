# Applies examples/per-event-alerts against LocalStack: both EventBridge rules
# exist and alert, and the read rule's pattern has the metric filter's meaning
# (checked with the provider's pattern functions on the stored patterns).
# scripts/acceptance.sh checks that nothing of it is left afterwards;
# scripts/e2e_detection.py proves that messages actually arrive.

variables {
  name              = "tftest-per-event"
  s3_use_path_style = true
  alert_queue_arns  = ["arn:aws:sqs:us-east-1:000000000000:tftest-per-event-alerts"]
}

run "create" {
  module {
    source = "../examples/per-event-alerts"
  }

  assert {
    condition     = output.read_rule_arn == "arn:aws:events:us-east-1:000000000000:rule/tftest-per-event-secret-reads"
    error_message = "unexpected read rule ${coalesce(output.read_rule_arn, "null")}"
  }
  assert {
    condition     = output.tamper_rule_arn == "arn:aws:events:us-east-1:000000000000:rule/tftest-per-event-tamper"
    error_message = "unexpected tamper rule ${coalesce(output.tamper_rule_arn, "null")}"
  }
  assert {
    condition     = output.protections["read_rule_alerts"] && output.protections["tamper_rule_alerts"]
    error_message = "both rules must be in their alerting state, targeting the topic"
  }
}

run "read_rule_means_what_the_filter_means" {
  module {
    source = "../examples/per-event-alerts"
  }

  # An unknown user reading an in-scope secret: both patterns count it.
  assert {
    condition = provider::secretmonitor::event_pattern_matches(output.event_pattern, jsonencode({
      source        = "aws.secretsmanager"
      "detail-type" = "AWS API Call via CloudTrail"
      detail = {
        eventSource       = "secretsmanager.amazonaws.com"
        eventName         = "GetSecretValue"
        userIdentity      = { type = "IAMUser", arn = "arn:aws:iam::000000000000:user/mallory", accountId = "000000000000" }
        requestParameters = { secretId = "payments/stripe" }
      }
    }))
    error_message = "an unknown user reading payments/stripe (under the payments/* prefix) must alert"
  }
  # The allowed role with a path, in any session: silent.
  assert {
    condition = !provider::secretmonitor::event_pattern_matches(output.event_pattern, jsonencode({
      source        = "aws.secretsmanager"
      "detail-type" = "AWS API Call via CloudTrail"
      detail = {
        eventSource       = "secretsmanager.amazonaws.com"
        eventName         = "GetSecretValue"
        userIdentity      = { type = "AssumedRole", arn = "arn:aws:sts::000000000000:assumed-role/payments-worker/i-0abc", accountId = "000000000000" }
        requestParameters = { secretId = "arn:aws:secretsmanager:us-east-1:000000000000:secret:payments/stripe-AbCdEf" }
      }
    }))
    error_message = "the allowed role must stay silent, whatever its session"
  }
  # A principal of the trusted account: silent.
  assert {
    condition = !provider::secretmonitor::event_pattern_matches(output.event_pattern, jsonencode({
      source        = "aws.secretsmanager"
      "detail-type" = "AWS API Call via CloudTrail"
      detail = {
        eventSource       = "secretsmanager.amazonaws.com"
        eventName         = "GetSecretValue"
        userIdentity      = { type = "AssumedRole", arn = "arn:aws:sts::111122223333:assumed-role/ops/x", accountId = "111122223333" }
        requestParameters = { secretId = "prod/db" }
      }
    }))
    error_message = "the trusted account must stay silent"
  }
  # Out of scope: silent.
  assert {
    condition = !provider::secretmonitor::event_pattern_matches(output.event_pattern, jsonencode({
      source        = "aws.secretsmanager"
      "detail-type" = "AWS API Call via CloudTrail"
      detail = {
        eventSource       = "secretsmanager.amazonaws.com"
        eventName         = "GetSecretValue"
        userIdentity      = { type = "IAMUser", arn = "arn:aws:iam::000000000000:user/mallory", accountId = "000000000000" }
        requestParameters = { secretId = "staging/db" }
      }
    }))
    error_message = "a secret outside the scope must stay silent"
  }
  assert {
    condition     = output.event_pattern == provider::secretmonitor::event_pattern(var.secrets, var.allowed_principals, [], true)
    error_message = "event_pattern() must return what the rule uses"
  }
}

run "fast_alerts_can_be_turned_off" {
  module {
    source = "../examples/per-event-alerts"
  }

  variables {
    fast_alerts = false
  }

  assert {
    condition     = output.read_rule_arn == null && output.event_pattern == null
    error_message = "turning fast_alerts off must remove the read rule"
  }
  assert {
    condition     = output.tamper_rule_arn != null
    error_message = "the tamper rule stays"
  }
}
