variable "name" {
  description = "Name of the pipeline; prefixes every component."
  type        = string
  default     = "per-event"
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "s3_use_path_style" {
  description = "Path-style S3 addressing, for emulators such as LocalStack."
  type        = bool
  default     = false
}

variable "secrets" {
  description = "Secrets to watch: names, prefixes ending in *, or full ARNs. The metric filter pattern they generate must fit in 1024 characters; the validator says how many fit. With alert_on_denied, each entry costs about twice as much (docs/filter-patterns.md section 1.7), hence prefixes here."
  type        = list(string)
  default = [
    "prod/*",
    "payments/*",
  ]
}

variable "allowed_principals" {
  description = "Roles, users, root ARNs or account IDs whose reads never alert."
  type        = list(string)
  default = [
    "arn:aws:iam::000000000000:role/service/payments-worker",
    "111122223333",
  ]
}

variable "alert_queue_arns" {
  description = "SQS queues that receive alerts (their policy must let the topic send)."
  type        = list(string)
  default     = []
}

variable "alert_emails" {
  description = "Email addresses that receive alerts (each confirms its subscription)."
  type        = list(string)
  default     = []
}

variable "fast_alerts" {
  description = "Per-event alerts through EventBridge."
  type        = bool
  default     = true
}
