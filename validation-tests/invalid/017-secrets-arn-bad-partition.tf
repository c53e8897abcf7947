# path: secrets[0]
# expect: Invalid secret
# expect: not an AWS partition
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  secrets = ["arn:aws-usgov:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
