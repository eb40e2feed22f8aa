"""Attestation benchmark: the time to sign and to verify 10,000 label attestations.

    python benchmarks/bench_attestations.py             # 10,000 attestations
    python benchmarks/bench_attestations.py --count 1000

Pure domain code, no database (`grappe/attestations/domain/`): each record is a realistic one
(5 consortium members with identifiers, 2 clusters, a condition, ~1.5 KB of canonical JSON).
"sign" = build the record + RFC 8785 canonical bytes + Ed25519 compact JWS; "verify" = parse
the JWS, check the header, re-canonicalise the payload, look the key up and check the Ed25519
signature (what the public page, the verify page and the offline command do per attestation).
Each figure is the best of three runs (the machine is shared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grappe.attestations.domain.record import (
    AttestationFacts,
    ClusterFacts,
    Decision,
    OrganisationFacts,
    build_record,
)
from grappe.attestations.domain.signing import SigningKeyPair, sign, verify


def facts(n: int) -> AttestationFacts:
    attestation_id = str(uuid.UUID(int=n))
    return AttestationFacts(
        attestation_id=attestation_id,
        project_id=n,
        acronym=f"PRJ{n}",
        title=f"Projet collaboratif numéro {n} : véhicules électriques et réseaux intelligents",
        consortium=[
            OrganisationFacts(
                f"Organisation {n}-{i} SAS",
                "coordinator" if i == 0 else "partner",
                {"siren": f"{100000000 + n * 10 + i}", "vat": f"FR00{100000000 + n * 10 + i}"},
            )
            for i in range(5)
        ],
        clusters=[
            ClusterFacts("cap-digital", "Cap Digital", True),
            ClusterFacts("systematic", "Systematic Paris-Region", False),
        ],
        decision=Decision.ACCREDITED_WITH_CONDITIONS,
        decided_on=dt.date(2026, 3, 1),
        conditions=["Send the cluster a progress report every six months."],
        valid_from=dt.date(2026, 3, 1),
        valid_until=dt.date(2029, 3, 1),
        issued_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC),
        issuer_name="Grappe",
        issuer_url="https://grappe.example",
        verification_url=f"https://grappe.example/en/attestations/{attestation_id}/",
    )


def best_of(runs: int, fn: object) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    pair = SigningKeyPair.generate()
    keys = {pair.kid: pair.jwk}
    all_facts = [facts(n) for n in range(args.count)]
    tokens: list[str] = []

    def sign_all() -> None:
        tokens.clear()
        tokens.extend(sign(build_record(f), pair) for f in all_facts)

    def verify_all() -> None:
        for token in tokens:
            if not verify(token, keys).valid:
                raise SystemExit("a fresh attestation did not verify")

    signing = best_of(3, sign_all)
    verifying = best_of(3, verify_all)
    # Ed25519 alone on the same bytes, to tell the signature's cost from the JSON work.
    message = tokens[0].rsplit(".", 1)[0].encode()
    signature = pair.private.sign(message)
    public = pair.private.public_key()
    raw_sign = best_of(3, lambda: [pair.private.sign(message) for _ in range(args.count)])
    raw_verify = best_of(3, lambda: [public.verify(signature, message) for _ in range(args.count)])
    size = sum(len(t) for t in tokens) / len(tokens)
    print(f"attestations: {args.count:,}, mean JWS size {size:,.0f} characters")
    print(
        f"sign   (record + RFC 8785 + Ed25519): {signing:.2f} s total, "
        f"{signing / args.count * 1e6:.0f} µs each, {args.count / signing:,.0f}/s"
    )
    print(
        f"verify (parse + canonical check + Ed25519): {verifying:.2f} s total, "
        f"{verifying / args.count * 1e6:.0f} µs each, {args.count / verifying:,.0f}/s"
    )
    print(
        f"of which Ed25519 alone: sign {raw_sign / args.count * 1e6:.0f} µs, "
        f"verify {raw_verify / args.count * 1e6:.0f} µs each"
    )


if __name__ == "__main__":
    main()
