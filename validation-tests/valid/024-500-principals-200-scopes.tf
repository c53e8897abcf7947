# The scale the layout is built for (docs/scale.md): 500 allowed principals
# of every form and 200 scope entries. No metric filter can hold the
# allow-list, so the plan warns that the alarm counts the per-event path's
# findings; the per-event path is two stages of rules on default quotas.
locals {
  roles    = [for i in range(420) : "arn:aws:iam::111122223333:role/service-role/payments-api-${format("%03d", i)}-prod"]
  sso      = [for i in range(20) : "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Team${i}_0123456789abcdef"]
  users    = [for i in range(40) : "arn:aws:iam::111122223333:user/deploy-${i}"]
  other    = [for i in range(17) : "arn:aws:iam::444455556666:role/batch-${i}"]
  accounts = ["777788889999", "arn:aws:iam::222233334444:root", "555566667777"]
  prefixes = [for i in range(80) : "team-${format("%02d", i)}/*"]
  names    = [for i in range(60) : "apps/service-${i}/database-password"]
  arns     = [for i in range(60) : "arn:aws:secretsmanager:eu-west-1:111122223333:secret:legacy/key-${format("%03d", i)}-AbCdEf"]
}

resource "secretmonitor_pipeline" "this" {
  name               = "prod-secrets"
  secrets            = concat(local.prefixes, local.names, local.arns)
  allowed_principals = concat(local.roles, local.sso, local.users, local.other, local.accounts)
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
