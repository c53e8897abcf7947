variable "name" {
  description = "Name of the pipeline; prefixes every component."
  type        = string
  default     = "demo-secrets"
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
  description = "Secrets to watch: names, prefixes ending in *, or ARNs."
  type        = list(string)
  default     = ["prod/*"]
}

variable "allowed_principals" {
  description = "Role, user or root ARNs whose reads never alert."
  type        = list(string)
  default     = ["arn:aws:iam::000000000000:role/app-prod"]
}

variable "retention_days" {
  description = "CloudWatch Logs retention of the trail's events."
  type        = number
  default     = 365
}

variable "force_destroy_archive" {
  description = "Delete the archive bucket with its log files on destroy."
  type        = bool
  default     = false
}

variable "alert_emails" {
  description = "Email addresses that receive alerts."
  type        = list(string)
  default     = ["secops@example.com"]
}

variable "alert_queue_arns" {
  description = "SQS queues that receive alerts."
  type        = list(string)
  default     = []
}
