from cxhub.cli import main

main()
