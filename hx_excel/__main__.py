from hx_excel.cli import main

# guarded: summary and generate start reader/builder processes, and on Windows each new process imports the main
# module again (as __mp_main__), which must not run the command a second time
if __name__ == "__main__":
    raise SystemExit(main())
