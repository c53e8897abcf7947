# Applies examples/multi-account against LocalStack: one module, three
# accounts reached through aliased providers that assume a deployer role.
# LocalStack maps each 12-digit access key to its account and serves
# AssumeRole across accounts. scripts/acceptance.sh creates the deployer roles
# and the member accounts' existing log group first, and checks afterwards,
# account by account, that nothing of the pipelines is left.

variables {
  name              = "tftest-org"
  s3_use_path_style = true
  alert_queue_arns  = ["arn:aws:sqs:us-east-1:000000000000:tftest-org-alerts"]
}

run "each_account_gets_its_own_pipeline" {
  module {
    source = "../examples/multi-account"
  }

  assert {
    condition = (
      output.pipelines.management.account_id == "111111111111" &&
      output.pipelines.payments.account_id == "222222222222" &&
      output.pipelines.data.account_id == "333333333333"
    )
    error_message = "each pipeline must be built in the account its provider assumed a role in: ${jsonencode({ for k, v in output.pipelines : k => v.account_id })}"
  }
  # Same pipeline name everywhere: had two landed in one account, the second
  # would have adopted the first's parts and these ARNs would repeat.
  assert {
    condition = alltrue([
      for k, acct in { management = "111111111111", payments = "222222222222", data = "333333333333" } :
      strcontains(output.pipelines[k].topic_arn, ":${acct}:") &&
      strcontains(output.pipelines[k].alarm_arn, ":${acct}:") &&
      strcontains(output.pipelines[k].read_rule_arn, ":${acct}:") &&
      strcontains(output.pipelines[k].kms_key_arn, ":${acct}:")
    ])
    error_message = "a component was created outside its account: ${jsonencode(output.pipelines)}"
  }
  assert {
    condition     = length(distinct([for p in output.pipelines : p.kms_key_arn])) == 3
    error_message = "each account must have its own key"
  }
}

run "management_runs_the_organization_trail_members_reuse_their_group" {
  module {
    source = "../examples/multi-account"
  }

  assert {
    condition     = startswith(output.pipelines.management.trail_arn, "arn:aws:cloudtrail:us-east-1:111111111111:trail/tftest-org")
    error_message = "the management account must create the organization trail"
  }
  assert {
    condition     = output.pipelines.management.log_group_name == "/secretmonitor/tftest-org/cloudtrail"
    error_message = "the management account's trail delivers to its own group"
  }
  assert {
    condition = alltrue([
      for k in ["payments", "data"] :
      output.pipelines[k].trail_arn == null && output.pipelines[k].log_group_name == "aws-cloudtrail-logs-member"
    ])
    error_message = "member accounts create no trail and watch their existing log group"
  }
}
