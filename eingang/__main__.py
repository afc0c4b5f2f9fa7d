from eingang.cli import run

run()
