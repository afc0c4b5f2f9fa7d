from eingang.cli import main

main()
