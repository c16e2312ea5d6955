# Demo frontend front-service (fake-service): calls its upstreams through the mesh with
# transparent proxy, local ones as <svc>.virtual.consul and peer ones as
# <svc>.virtual.<peer>.peer.consul, all resolved by the local Consul agent's DNS.
#   nomad job run -var datacenter=dc1 -var upstream_uris=http://public-api.virtual.consul frontend.nomad.hcl

variable "datacenter" {
  type = string
}

variable "replicas" {
  type    = number
  default = 1
}

variable "upstream_uris" {
  type        = string
  description = "Comma-separated URLs front-service calls on every request"
}

variable "image" {
  type    = string
  default = "nicholasjackson/fake-service:v0.26.2"
}

job "front-service" {
  datacenters = [var.datacenter]
  type        = "service"

  group "frontend" {
    count = var.replicas

    network {
      mode = "bridge"
    }

    service {
      name = "front-service"
      port = "9090"
      tags = ["web", "frontend"]

      connect {
        sidecar_service {
          proxy {
            transparent_proxy {}
          }
        }
      }
    }

    task "web" {
      driver = "docker"

      config {
        image = var.image
      }

      env {
        LISTEN_ADDR   = "0.0.0.0:9090"
        NAME          = "front-service@${NOMAD_DC}"
        MESSAGE       = "Hello from front-service in ${NOMAD_DC}"
        UPSTREAM_URIS = var.upstream_uris
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
