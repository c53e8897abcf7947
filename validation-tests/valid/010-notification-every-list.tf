resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    emails          = ["secops@example.com", "first.last+alerts@mail.example.co.uk"]
    sqs_queue_arns  = ["arn:aws:sqs:us-east-1:111122223333:alerts", "arn:aws:sqs:eu-west-1:111122223333:alerts_2"]
    https_endpoints = ["https://hooks.example.com/sns?team=sec", "https://user:token@[2001:db8::1]:8443/x"]
  }
}
