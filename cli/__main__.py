from asyncio_upgrade.cli.app import main

main()
