import time, sys
import core.importers.takeout as t
from core.tasks import TaskState
marks = []
orig_adv = TaskState.advance
def adv(self, n=1):
    orig_adv(self, n)
    if self._done % 250 == 0 and self.name == "import":
        marks.append((self._done, round(time.perf_counter(), 2)))
TaskState.advance = adv
from benchmarks.bench_takeout import main
sys.argv=["x","--photos","2000"]
main()
base = marks[0][1]
print([(d, round(s - base, 2)) for d, s in marks], file=sys.stderr)
