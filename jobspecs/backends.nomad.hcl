# Demo backends public-api and private-api (fake-service) in the mesh, transparent proxy.
#   nomad job run -var datacenter=dc1 -var public_replicas=2 -var private_replicas=2 backends.nomad.hcl

variable "datacenter" {
  type = string
}

variable "public_replicas" {
  type    = number
  default = 2
}

variable "private_replicas" {
  type    = number
  default = 2
}

variable "image" {
  type    = string
  default = "nicholasjackson/fake-service:v0.26.2"
}

job "demo-backends" {
  datacenters = [var.datacenter]
  type        = "service"

  group "public-api" {
    count = var.public_replicas

    network {
      mode = "bridge"
    }

    service {
      name = "public-api"
      # Transparent proxy needs the numeric port (a named port is not supported there).
      port = "9090"
      tags = ["api", "public"]

      connect {
        sidecar_service {
          proxy {
            transparent_proxy {}
          }
        }
      }
    }

    task "public-api" {
      driver = "docker"

      config {
        image = var.image
      }

      env {
        LISTEN_ADDR = "0.0.0.0:9090"
        NAME        = "public-api@${NOMAD_DC}"
        MESSAGE     = "Hello from public-api in ${NOMAD_DC}"
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }

  group "private-api" {
    count = var.private_replicas

    network {
      mode = "bridge"
    }

    service {
      name = "private-api"
      port = "9090"
      tags = ["api", "private"]

      connect {
        sidecar_service {
          proxy {
            transparent_proxy {}
          }
        }
      }
    }

    task "private-api" {
      driver = "docker"

      config {
        image = var.image
      }

      env {
        LISTEN_ADDR = "0.0.0.0:9090"
        NAME        = "private-api@${NOMAD_DC}"
        MESSAGE     = "Hello from private-api in ${NOMAD_DC}"
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
