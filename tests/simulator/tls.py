"""Self-signed certificates for the simulated players' websockets."""

import datetime as dt
import functools
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@functools.cache
def certificates() -> tuple[tuple[bytes, bytes], ...]:
    """Return two self-signed certificates, each as (PEM with its key, DER).

    Made once per process: cryptography keeps the datetime type of its first
    signature, which a frozen test clock would make a fake one.
    """
    made = []
    for _ in range(2):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sonos simulator")])
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .sign(key, hashes.SHA256())
        )
        pem = certificate.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        made.append((pem, certificate.public_bytes(serialization.Encoding.DER)))
    return tuple(made)


def load_certificate(context: ssl.SSLContext, pem: bytes) -> None:
    """Serve ``pem`` (certificate and key) on the next handshakes of ``context``."""
    with tempfile.NamedTemporaryFile(suffix=".pem") as file:
        file.write(pem)
        file.flush()
        context.load_cert_chain(file.name)
