from iacjit.cli import main

main()
