# path: notification.https_endpoints[0]
# expect: Invalid HTTPS endpoint
# expect: http://
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  notification {
    https_endpoints = ["http://hooks.example.com/sns"]
  }
}
