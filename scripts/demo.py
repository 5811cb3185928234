"""The main job, end to end: compile Pokemon, serve it, drive the pipeline over HTTP.

    make demo                # keeps serving afterwards; Ctrl-C to stop
    python scripts/demo.py --exit

The API runs on the embedded database (data in examples/pokemon/.pulpo/db)
unless MONGODB_URL points at a MongoDB server.
"""

import argparse
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from rich.console import Console

from pulpo.cli.tables import print_table

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "examples" / "pokemon"
PULPO = str(Path(sys.executable).parent / "pulpo")
console = Console(highlight=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--exit", action="store_true", help="stop the API after the pipeline")
    args = parser.parse_args()

    subprocess.run([PULPO, "compile", str(PROJECT)], check=True)
    server = subprocess.Popen([PULPO, "serve", str(PROJECT), "--port", str(args.port)])
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_until_healthy(base, server)
        with httpx.Client(base_url=base, timeout=30) as client:
            drive_pipeline(client)
        console.print(f"\nAPI      {base}\nOpenAPI  {base}/docs\nHealth   {base}/health")
        if args.exit:
            return 0
        console.print("Serving until Ctrl-C.")
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        server.wait(timeout=15)
    return 0


def wait_until_healthy(base: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"pulpo serve exited with status {server.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the API at {base} did not become healthy in {timeout:.0f} s")


def drive_pipeline(client: httpx.Client) -> None:
    """trainer_create → catch → train → stage1 → stage2 → battle, as a table of results."""
    run = uuid.uuid4().hex[:4]
    ash, gary = f"Ash-{run}", f"Gary-{run}"
    steps = [
        ("pokemon.management.trainer_create", {"trainer_name": ash, "region": "Kanto"}),
        ("pokemon.management.trainer_create", {"trainer_name": gary, "region": "Kanto"}),
        ("pokemon.management.catch", catch(ash, "Charmander", "Fire")),
        ("pokemon.management.catch", catch(gary, "Squirtle", "Water")),
        ("pokemon.management.train", {"pokemon_name": "Charmander", "training_hours": 100}),
        ("pokemon.evolution.stage1", {"pokemon_name": "Charmander"}),
        ("pokemon.evolution.stage2", {"pokemon_name": "Charmeleon"}),
        ("pokemon.battles.trainer_execute", battle(ash, gary)),
    ]
    results: list[list[str]] = []
    for name, body in steps:
        response = client.post("/operations/" + name.replace(".", "/"), json=body)
        results.append([name, str(response.status_code), response.text])
        if response.status_code != 200:
            print_table(console, ["operation", "status", "result"], results)
            raise SystemExit(f"{name} failed: {response.status_code} {response.text}")
    print_table(console, ["operation", "status", "result"], results)
    charizards = client.get("/pokemons", params={"name": "Charizard", "trainer": ash}).json()
    console.print(f"Charizard in the database: {charizards[0]}")


def catch(trainer: str, pokemon: str, element: str) -> dict[str, str]:
    return {"trainer_name": trainer, "pokemon_name": pokemon, "element": element}


def battle(first: str, second: str, seed: int = 7) -> dict[str, object]:
    return {"trainer1_name": first, "trainer2_name": second, "seed": seed}


if __name__ == "__main__":
    sys.exit(main())
