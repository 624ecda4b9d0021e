from hx_excel.cli import main

raise SystemExit(main())
