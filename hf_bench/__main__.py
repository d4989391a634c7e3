from hf_bench.cli import main

raise SystemExit(main())
