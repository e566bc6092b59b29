module gosips

go 1.26
