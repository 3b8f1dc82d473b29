// Load a model once, look at its shapes, predict from several threads at once.
#include <xylem/xylem.h>

#include <cmath>
#include <iostream>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: xylem_example MODEL\n";
    return 2;
  }
  try {
    const xylem::Model model = xylem::Model::load(argv[1]);
    const int n_features = model.num_features();
    std::cout << "task " << model.task() << ", " << n_features << " features, " << model.output_width()
              << " outputs\n";

    // Two rows, the second with a missing value.
    std::vector<float> rows(2 * n_features, 0.5f);
    rows[n_features] = NAN;
    std::vector<double> first(2 * model.output_width()), second(first.size());
    std::thread other([&] { model.predict(rows.data(), 2, second.data()); });
    model.predict(rows.data(), 2, first.data());
    other.join();
    if (first != second) {
      std::cerr << "concurrent predictions differ\n";
      return 1;
    }
    for (double v : first) std::cout << v << " ";
    std::cout << "\n";
  } catch (const xylem::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
