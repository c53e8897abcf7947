# path: notification.https_endpoints[0]
# expect: Invalid HTTPS endpoint
# expect: must start with https://
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    https_endpoints = ["hooks.example.com/sns"]
  }
}
