# Six prefixes with denied alerts make a filter pattern of 1489 characters,
# over CloudWatch's 1024: the layout puts them in two metric filters (chunks
# of the scope, each with the whole allow-list), and the plan shows
# metric_filter_count = 2.
resource "secretmonitor_pipeline" "this" {
  name    = "prod-secrets"
  secrets = [for t in ["payments", "identity", "search", "billing", "ledger", "mail"] : "${t}/*"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
